import net from 'node:net';
import { atom } from '@tldraw/state';
import { Store } from '@tldraw/store';
import * as syncCore from '@tldraw/sync-core';
import { TLSyncClient, type TLPersistentClientSocket, type TLSocketStatusChangeEvent } from '@tldraw/sync-core';
import { createShapeId, toRichText, type TLRecord } from '@tldraw/tlschema';
import { boardSchema, pageIdOf } from '../board/boardSchema.ts';
import { BOARD_SOCKET_PATH } from '../../protocol/index.ts';

type Listener<T> = (value: T) => void;

// tldraw batches store effects per animation frame; Node has no frames, so give it browser-like ones.
globalThis.requestAnimationFrame ??= (callback: FrameRequestCallback) => setTimeout(() => callback(performance.now()), 16) as unknown as number;
globalThis.cancelAnimationFrame ??= (handle: number) => clearTimeout(handle as unknown as NodeJS.Timeout);

/**
 * tldraw's client socket contract over Node's WebSocket, reconnecting like the browser's adapter
 * does (the server closes a session to hand it a new permission).
 */
class NodeBoardSocket implements TLPersistentClientSocket<object, object> {
	connectionStatus: 'online' | 'offline' | 'error' = 'offline';
	readonly #url: string;
	readonly #messageListeners = new Set<Listener<object>>();
	readonly #statusListeners = new Set<Listener<TLSocketStatusChangeEvent>>();
	#ws: WebSocket | null = null;
	#closed = false;
	/** Frames sent and bytes received, for tests and the benchmark. */
	sent = 0;
	bytesReceived = 0;

	constructor(url: string) {
		this.#url = url;
		this.#open();
	}

	#open(): void {
		const ws = new WebSocket(this.#url);
		this.#ws = ws;
		ws.onopen = () => this.#setStatus({ status: 'online' });
		ws.onmessage = (event) => {
			this.bytesReceived += Buffer.byteLength(String(event.data));
			const message = JSON.parse(String(event.data)) as object;
			for (const listener of this.#messageListeners) listener(message);
		};
		ws.onclose = () => {
			if (this.#ws !== ws) return;
			this.#setStatus({ status: 'offline' });
			if (!this.#closed) setTimeout(() => !this.#closed && this.#open(), 100);
		};
	}

	#setStatus(event: TLSocketStatusChangeEvent): void {
		this.connectionStatus = event.status;
		for (const listener of this.#statusListeners) listener(event);
	}

	sendMessage(message: object): void {
		if (this.#ws?.readyState !== WebSocket.OPEN) return;
		this.sent++;
		this.#ws.send(JSON.stringify(message));
	}

	/** Sends a raw frame as it is (tests of malformed input). */
	sendRaw(frame: string): void {
		this.#ws?.send(frame);
	}

	onReceiveMessage = (listener: Listener<object>) => {
		this.#messageListeners.add(listener);
		return () => this.#messageListeners.delete(listener);
	};

	onStatusChange = (listener: Listener<TLSocketStatusChangeEvent>) => {
		this.#statusListeners.add(listener);
		return () => this.#statusListeners.delete(listener);
	};

	restart(): void {
		this.#ws?.close();
	}

	close(): void {
		this.#closed = true;
		this.#ws?.close();
		this.connectionStatus = 'offline';
	}
}

function baseShape(id: string, parentId: string, x: number, y: number): Record<string, unknown> {
	return { id, typeName: 'shape', parentId, index: 'a1', x, y, rotation: 0, isLocked: false, opacity: 1, meta: {} };
}

function rectRecord(id: string, parentId: string, x: number, y: number, w: number, h: number): TLRecord {
	return {
		...baseShape(id, parentId, x, y),
		type: 'geo',
		props: {
			geo: 'rectangle',
			dash: 'draw',
			url: '',
			w,
			h,
			growY: 0,
			scale: 1,
			flipX: false,
			flipY: false,
			labelColor: 'black',
			color: 'red',
			fill: 'none',
			size: 'm',
			font: 'draw',
			align: 'middle',
			verticalAlign: 'middle',
			richText: toRichText('')
		}
	} as unknown as TLRecord;
}

/** A headless board participant: a real tldraw store synced through the real server. */
export class BoardTestClient {
	readonly store: Store<TLRecord>;
	readonly socket: NodeBoardSocket;
	readonly client: TLSyncClient<TLRecord>;
	readonly custom: unknown[] = [];
	readonly ready: Promise<void>;
	isReadonly = true;
	connects = 0;
	syncError: string | null = null;

	constructor(baseUrl: string, token: string, opts: { sessionId?: string } = {}) {
		const url = new URL(BOARD_SOCKET_PATH, baseUrl.replace(/^http/, 'ws'));
		url.searchParams.set('t', token);
		url.searchParams.set('sessionId', opts.sessionId ?? `test${Math.random().toString(36).slice(2, 12)}`);
		this.store = new Store<TLRecord>({ schema: boardSchema, props: { defaultName: '', assets: {}, onMount: () => undefined } as never });
		this.socket = new NodeBoardSocket(url.toString());
		let loaded!: () => void;
		this.ready = new Promise((resolve) => (loaded = resolve));
		this.client = new TLSyncClient<TLRecord>({
			store: this.store,
			socket: this.socket,
			presence: atom('presence', null),
			onLoad: () => loaded(),
			onSyncError: (reason) => (this.syncError = reason),
			onAfterConnect: (_client, { isReadonly }) => {
				this.isReadonly = isReadonly;
				this.connects++;
			},
			onCustomMessageReceived: (data) => this.custom.push(data)
		});
	}

	shapesOn(boardId: string): TLRecord[] {
		const page = pageIdOf(boardId);
		return this.store.allRecords().filter((r) => r.typeName === 'shape' && r.parentId === page);
	}

	hasPage(boardId: string): boolean {
		return this.store.has(pageIdOf(boardId) as never);
	}

	/** Puts a rectangle on a board, whatever the client's permission (the server decides). */
	createRect(boardId: string, x: number, y: number, w = 200, h = 120): string {
		return this.createRectIn(pageIdOf(boardId), x, y, w, h);
	}

	/** Puts a rectangle under a page or a shape (a group), whatever the client's permission. */
	createRectIn(parentId: string, x: number, y: number, w = 200, h = 120): string {
		const id = createShapeId();
		this.store.put([rectRecord(id, parentId, x, y, w, h)]);
		return id;
	}

	/** A group on a board holding new rectangles, all in one push. */
	createGroup(boardId: string, count = 2): { group: string; children: string[] } {
		const group = createShapeId();
		const children: string[] = [];
		const records: TLRecord[] = [{ ...baseShape(group, pageIdOf(boardId), 0, 0), type: 'group', props: {} } as unknown as TLRecord];
		for (let i = 0; i < count; i++) {
			const id = createShapeId();
			children.push(id);
			records.push(rectRecord(id, group, i * 250, 0, 200, 120));
		}
		this.store.put(records);
		return { group, children };
	}

	moveShape(id: string, x: number): void {
		this.update(id, { x });
	}

	/** Changes fields of any record the client holds (the server decides whether it may). */
	update(id: string, changes: Record<string, unknown>): void {
		const record = this.store.get(id as never) as unknown as Record<string, unknown>;
		this.store.put([{ ...record, ...changes } as unknown as TLRecord]);
	}

	remove(...ids: string[]): void {
		this.store.remove(ids as never[]);
	}

	record(id: string): TLRecord | undefined {
		return this.store.get(id as never) as TLRecord | undefined;
	}

	/** Whether the session is connected and has sent everything it wrote. */
	get settled(): boolean {
		const client = this.client as unknown as { isConnectedToRoom: boolean; pendingPushRequests: unknown[] };
		return client.isConnectedToRoom && client.pendingPushRequests.length === 0;
	}

	close(): void {
		this.client.close();
		this.socket.close();
	}
}

/** What an HTTP upgrade request got back: the status line's code (null: no answer in time) and our refusal reason. */
export interface UpgradeAnswer {
	status: number | null;
	refusal: string | null;
}

/**
 * Sends one `Upgrade: websocket` request with the target exactly as given (bytes included that no
 * URL class would let through) over a raw TCP socket, and reads the answer's head.
 */
export async function rawUpgrade(baseUrl: string, target: string | Buffer, waitMs = 1500): Promise<UpgradeAnswer> {
	const socket = sendUpgrade(baseUrl, target);
	const text = await new Promise<string>((resolve) => {
		let received = '';
		const done = () => {
			clearTimeout(timer);
			resolve(received);
		};
		const timer = setTimeout(done, waitMs);
		socket.on('data', (chunk: Buffer) => {
			received += chunk.toString('latin1');
			if (received.includes('\r\n\r\n')) done();
		});
		socket.on('close', done);
	});
	socket.destroy();
	const status = /^HTTP\/1\.1 (\d{3})/.exec(text);
	const refusal = /\r\nX-Refusal: ([^\r]*)/i.exec(text);
	return { status: status ? Number(status[1]) : null, refusal: refusal?.[1] ?? null };
}

/** Sends an upgrade request and resets the connection (TCP RST) before any answer can come. */
export async function resetUpgrade(baseUrl: string, target: string): Promise<void> {
	const socket = sendUpgrade(baseUrl, target);
	await new Promise((resolve) => setTimeout(resolve, 30));
	socket.resetAndDestroy();
}

function sendUpgrade(baseUrl: string, target: string | Buffer): net.Socket {
	const { hostname, port } = new URL(baseUrl);
	const socket = net.connect(Number(port), hostname);
	socket.on('error', () => undefined);
	socket.write(
		Buffer.concat([
			Buffer.from('GET ', 'latin1'),
			typeof target === 'string' ? Buffer.from(target, 'latin1') : target,
			Buffer.from(' HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n', 'latin1')
		])
	);
	return socket;
}

/** What a raw board session saw after a frame: our refusal, the socket closing, or the room's answer to a push. */
export type RawOutcome =
	| { kind: 'invalid'; message: string }
	| { kind: 'refused'; reason: string }
	| { kind: 'closed'; code: number; reason: string }
	| { kind: 'push_result'; action: unknown }
	| { kind: 'nothing' };

/** tldraw's sync protocol version (exported at runtime, left out of the package's types). */
const PROTOCOL_VERSION = (syncCore as unknown as { getTlsyncProtocolVersion(): number }).getTlsyncProtocolVersion();

/**
 * A board session spoken by hand: tldraw's connect handshake, then any frame at all (tests of
 * malformed input). Records what the server sends back.
 */
export class RawBoardSocket {
	readonly #ws: WebSocket;
	readonly events: Record<string, unknown>[] = [];
	closed: { code: number; reason: string } | null = null;
	#wake: (() => void) | null = null;

	private constructor(ws: WebSocket) {
		this.#ws = ws;
		ws.onmessage = (event) => {
			const message = JSON.parse(String(event.data)) as Record<string, unknown>;
			const batch = message.type === 'data' && Array.isArray(message.data) ? (message.data as Record<string, unknown>[]) : [message];
			this.events.push(...batch);
			this.#wake?.();
		};
		ws.onclose = (event) => {
			this.closed = { code: event.code, reason: event.reason };
			this.#wake?.();
		};
	}

	/** Opens a session and completes the connect handshake; rejects when the server does not let it. */
	static async open(baseUrl: string, token: string, clientId = `raw${Math.random().toString(36).slice(2, 12)}`): Promise<RawBoardSocket> {
		const url = new URL(BOARD_SOCKET_PATH, baseUrl.replace(/^http/, 'ws'));
		url.searchParams.set('t', token);
		url.searchParams.set('sessionId', clientId);
		const ws = new WebSocket(url);
		const raw = new RawBoardSocket(ws);
		await new Promise<void>((resolve, reject) => {
			ws.onopen = () => resolve();
			ws.onerror = () => reject(new Error('board socket refused'));
		});
		raw.send(JSON.stringify({ type: 'connect', connectRequestId: 'raw', lastServerClock: -1, protocolVersion: PROTOCOL_VERSION, schema: boardSchema.serialize() }));
		const connected = await raw.#until(() => raw.events.find((e) => e.type === 'connect') ?? (raw.closed ? null : undefined), 5000);
		if (!connected) throw new Error(`board session closed during the handshake: ${JSON.stringify(raw.closed)}`);
		raw.events.length = 0;
		return raw;
	}

	send(frame: string | Uint8Array): void {
		if (this.#ws.readyState === WebSocket.OPEN) this.#ws.send(frame as string);
	}

	/** The first answer to what was sent: a refusal, a close, or a push result; `nothing` after waitMs. */
	async outcome(waitMs = 3000): Promise<RawOutcome> {
		const found = await this.#until(() => {
			for (const event of this.events) {
				const data = event.data as { type?: string; message?: string; reason?: string } | undefined;
				if (event.type === 'custom' && data?.type === 'cb.invalid') return { kind: 'invalid', message: String(data.message) } as const;
				if (event.type === 'custom' && data?.type === 'cb.refused') return { kind: 'refused', reason: String(data.reason) } as const;
				if (event.type === 'push_result') return { kind: 'push_result', action: event.action } as const;
			}
			return this.closed ? ({ kind: 'closed', ...this.closed } as const) : undefined;
		}, waitMs);
		return found ?? { kind: 'nothing' };
	}

	/** Whether the session is still open (it was not refused). */
	get open(): boolean {
		return this.#ws.readyState === WebSocket.OPEN;
	}

	close(): void {
		this.#ws.close();
	}

	async #until<T>(probe: () => T | undefined, waitMs: number): Promise<T | undefined> {
		const deadline = Date.now() + waitMs;
		for (;;) {
			const value = probe();
			if (value !== undefined) return value;
			const left = deadline - Date.now();
			if (left <= 0) return undefined;
			await new Promise<void>((resolve) => {
				const timer = setTimeout(resolve, left);
				this.#wake = () => {
					clearTimeout(timer);
					resolve();
				};
			});
		}
	}
}
