import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { AppError } from '../../core/errors.ts';
import { moduleLogger } from '../../core/logger.ts';
import { EDGE_MEDIA_PATH, EdgeEventMessageSchema, EdgeParamsSchemas, EdgeReplySchema, EdgeRequestSchema } from '../../protocol/edgeMedia.ts';
import type { EdgeChannel, EdgeEvent, EdgeHost, EdgeMethod, EdgeParams, EdgeResult } from '../../sfu/index.ts';

const log = moduleLogger('cluster:edge-media');

/** A call the edge has not answered in this long fails (the participant's transport is then made on the origin). */
const CALL_TIMEOUT_MS = 10_000;
/** Each end pings this often; a link without a pong since the last ping is dead (a node that lost power sends no FIN). */
const PING_MS = 5_000;
const MAX_MESSAGE_BYTES = 1 << 20;

/**
 * The edge's end: a node of the cluster that another node drives lessons' media on. Only a peer
 * (a request carrying the deployment's signed forwarding stamp) may open it.
 */
export class EdgeMediaServer {
	readonly #host: EdgeHost;
	readonly #isPeer: (req: IncomingMessage) => boolean;
	readonly #wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

	constructor(host: EdgeHost, isPeer: (req: IncomingMessage) => boolean) {
		this.#host = host;
		this.#isPeer = isPeer;
	}

	/** Takes the upgrade when it is the edge link's; false: another listener's. */
	handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
		if (!req.url?.startsWith(EDGE_MEDIA_PATH)) return false;
		if (!this.#isPeer(req)) {
			socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
			return true;
		}
		this.#wss.handleUpgrade(req, socket, head, (ws) => this.#serve(ws));
		return true;
	}

	close(): void {
		for (const ws of this.#wss.clients) ws.terminate();
		this.#wss.close();
	}

	#serve(ws: WebSocket): void {
		const session = this.#host.session((event) => {
			if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ event }));
		});
		log.info('an origin node opened an edge media link');
		keepAlive(ws);
		ws.on('message', (data) => {
			void this.#answer(ws, session, data);
		});
		ws.on('close', () => {
			session.close();
			log.info('an edge media link closed; its lessons\' routers here are closed');
		});
		ws.on('error', (error) => log.warn({ err: error.message }, 'edge media link error'));
	}

	async #answer(ws: WebSocket, session: ReturnType<EdgeHost['session']>, data: RawData): Promise<void> {
		let id = 0;
		try {
			const request = EdgeRequestSchema.parse(JSON.parse(data.toString()));
			id = request.id;
			const params = EdgeParamsSchemas[request.method].parse(request.params) as EdgeParams<typeof request.method>;
			const result = await session.call(request.method, params);
			ws.send(JSON.stringify({ id, ok: true, result: result ?? null }));
		} catch (error) {
			const code = error instanceof AppError ? error.code : 'invalid';
			if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ id, ok: false, error: { code, message: (error as Error).message.slice(0, 2000) } }));
		}
	}
}

export interface EdgeLinksOptions {
	/** Where a live node is reached (null: not a live node). */
	nodeUrl: (nodeId: string) => Promise<string | null>;
	/** The signed forwarding stamp the edge asks of its peers. */
	headers: Record<string, string>;
}

/** The origin's links to edge nodes, one per node, opened when a lesson first needs it. */
export class EdgeLinks {
	readonly #options: EdgeLinksOptions;
	readonly #links = new Map<string, Promise<EdgeLink | null>>();
	#closed = false;

	constructor(options: EdgeLinksOptions) {
		this.#options = options;
	}

	/** An EdgeConnector (sfu/edge). */
	readonly connect = (nodeId: string): Promise<EdgeChannel | null> => {
		if (this.#closed) return Promise.resolve(null);
		let link = this.#links.get(nodeId);
		if (!link) {
			const opening = this.#open(nodeId).catch((error: Error) => {
				log.warn({ edge: nodeId, err: error.message }, 'edge media link not opened; its participants are served here');
				return null;
			});
			link = opening;
			this.#links.set(nodeId, link);
			void opening.then((opened) => {
				if (!opened) this.#links.delete(nodeId);
				else opened.onClose(() => this.#links.get(nodeId) === opening && this.#links.delete(nodeId));
			});
		}
		return link;
	};

	async close(): Promise<void> {
		this.#closed = true;
		const links = await Promise.all(this.#links.values());
		for (const link of links) link?.close();
		this.#links.clear();
	}

	async #open(nodeId: string): Promise<EdgeLink> {
		const url = await this.#options.nodeUrl(nodeId);
		if (!url) throw new Error(`node ${nodeId} is not live`);
		const ws = new WebSocket(`${url.replace(/^http/, 'ws')}${EDGE_MEDIA_PATH}`, { headers: this.#options.headers, maxPayload: MAX_MESSAGE_BYTES, handshakeTimeout: 5_000 });
		await new Promise<void>((resolve, reject) => {
			ws.once('open', () => resolve());
			ws.once('error', reject);
			ws.once('unexpected-response', (_req, res) => reject(new Error(`the edge answered ${res.statusCode}`)));
		});
		log.info({ edge: nodeId }, 'edge media link open');
		return new EdgeLink(nodeId, ws);
	}
}

/** One open link to an edge node (an EdgeChannel). */
class EdgeLink implements EdgeChannel {
	readonly nodeId: string;
	readonly #ws: WebSocket;
	readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
	readonly #eventListeners = new Set<(event: EdgeEvent) => void>();
	readonly #closeListeners = new Set<() => void>();
	#nextId = 1;
	#closed = false;

	constructor(nodeId: string, ws: WebSocket) {
		this.nodeId = nodeId;
		this.#ws = ws;
		keepAlive(ws);
		ws.on('message', (data) => this.#receive(data));
		ws.on('close', () => this.#gone());
		ws.on('error', (error) => log.warn({ edge: nodeId, err: error.message }, 'edge media link error'));
	}

	get closed(): boolean {
		return this.#closed;
	}

	call<M extends EdgeMethod>(method: M, params: EdgeParams<M>): Promise<EdgeResult<M>> {
		if (this.#closed) return Promise.reject(new AppError('unavailable', `the link to node ${this.nodeId} is closed`));
		const id = this.#nextId++;
		return new Promise<EdgeResult<M>>((resolve, reject) => {
			const timer = setTimeout(() => {
				this.#pending.delete(id);
				reject(new AppError('unavailable', `node ${this.nodeId} did not answer ${method} in ${CALL_TIMEOUT_MS} ms`));
			}, CALL_TIMEOUT_MS);
			this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
			this.#ws.send(JSON.stringify({ id, method, params }));
		});
	}

	onEvent(listener: (event: EdgeEvent) => void): () => void {
		this.#eventListeners.add(listener);
		return () => this.#eventListeners.delete(listener);
	}

	onClose(listener: () => void): () => void {
		this.#closeListeners.add(listener);
		return () => this.#closeListeners.delete(listener);
	}

	close(): void {
		this.#ws.close();
		this.#gone();
	}

	#receive(data: RawData): void {
		let message: unknown;
		try {
			message = JSON.parse(data.toString());
		} catch {
			log.warn({ edge: this.nodeId }, 'an edge sent a message that is not JSON; ignored');
			return;
		}
		const event = EdgeEventMessageSchema.safeParse(message);
		if (event.success) {
			for (const listener of this.#eventListeners) listener(event.data.event as EdgeEvent);
			return;
		}
		const reply = EdgeReplySchema.safeParse(message);
		if (!reply.success) {
			log.warn({ edge: this.nodeId }, 'an edge sent a message that is neither an event nor a reply; ignored');
			return;
		}
		const pending = this.#pending.get(reply.data.id);
		if (!pending) return;
		this.#pending.delete(reply.data.id);
		clearTimeout(pending.timer);
		if (reply.data.ok) pending.resolve(reply.data.result);
		else pending.reject(new AppError('unavailable', `node ${this.nodeId}: ${reply.data.error.message}`));
	}

	#gone(): void {
		if (this.#closed) return;
		this.#closed = true;
		for (const { reject, timer } of this.#pending.values()) {
			clearTimeout(timer);
			reject(new AppError('unavailable', `the link to node ${this.nodeId} closed`));
		}
		this.#pending.clear();
		log.warn({ edge: this.nodeId }, 'edge media link closed');
		for (const listener of this.#closeListeners) listener();
	}
}

/** Pings the other end; a link whose last ping went unanswered is cut. */
function keepAlive(ws: WebSocket): void {
	let alive = true;
	ws.on('pong', () => (alive = true));
	const timer = setInterval(() => {
		if (!alive) {
			ws.terminate();
			return;
		}
		alive = false;
		ws.ping();
	}, PING_MS);
	timer.unref();
	ws.on('close', () => clearInterval(timer));
}
