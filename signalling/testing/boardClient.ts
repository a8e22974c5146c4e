import { atom } from '@tldraw/state';
import { Store } from '@tldraw/store';
import { TLSyncClient, type TLPersistentClientSocket, type TLSocketStatusChangeEvent } from '@tldraw/sync-core';
import { createShapeId, toRichText, type TLRecord } from '@tldraw/tlschema';
import { boardSchema, pageIdOf } from '../board/boardSchema.ts';
import { BOARD_SOCKET_PATH } from '../protocol/index.ts';

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
		const id = createShapeId();
		this.store.put([
			{
				id,
				typeName: 'shape',
				type: 'geo',
				parentId: pageIdOf(boardId),
				index: 'a1',
				x,
				y,
				rotation: 0,
				isLocked: false,
				opacity: 1,
				meta: {},
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
			} as unknown as TLRecord
		]);
		return id;
	}

	moveShape(id: string, x: number): void {
		const shape = this.store.get(id as never) as unknown as Record<string, unknown>;
		this.store.put([{ ...shape, x } as unknown as TLRecord]);
	}

	close(): void {
		this.client.close();
		this.socket.close();
	}
}
