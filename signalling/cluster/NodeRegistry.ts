import type { Redis } from 'ioredis';
import { moduleLogger } from '../../core/logger.ts';

const log = moduleLogger('cluster:nodes');

const NODES_SET = 'cb:nodes';
const nodeKey = (id: string) => `cb:node:${id}`;

/** One node of a deployment as the others see it. */
export interface NodeInfo {
	id: string;
	/** Where the other nodes reach this one (its plain-HTTP address inside the deployment). */
	url: string;
	/** Lessons this node is the origin of, and the consumers its media holds. */
	load: { lessons: number; consumers: number };
	/** When the node last said it is alive (ms since the epoch). */
	at: number;
}

export interface NodeRegistryOptions {
	id: string;
	url: string;
	load: () => Promise<NodeInfo['load']> | NodeInfo['load'];
	/** How often the node says it is alive. */
	heartbeatMs?: number;
	/** A node silent this long counts as gone (its key expires in Redis). */
	ttlMs?: number;
	/** Also done on each heartbeat (what the deployment must find in Redis even after Redis lost it). */
	onBeat?: () => Promise<void>;
}

/**
 * The deployment's nodes and their load, in Redis: each node renews its own key every heartbeat;
 * a node that dies (kill -9, power) simply stops renewing, and its key expires after `ttlMs`.
 */
export class NodeRegistry {
	readonly id: string;
	readonly url: string;
	readonly ttlMs: number;
	readonly #redis: Redis;
	readonly #options: NodeRegistryOptions;
	#timer: NodeJS.Timeout | null = null;

	constructor(redis: Redis, options: NodeRegistryOptions) {
		this.#redis = redis;
		this.#options = options;
		this.id = options.id;
		this.url = options.url;
		this.ttlMs = options.ttlMs ?? 5_000;
	}

	async start(): Promise<void> {
		await this.#beat();
		this.#timer = setInterval(() => {
			this.#beat().catch((error: Error) => log.warn({ err: error.message }, 'heartbeat failed'));
		}, this.#options.heartbeatMs ?? 1_500);
		this.#timer.unref();
		log.info({ node: this.id, url: this.url }, 'node registered');
	}

	/** Stops the heartbeat and says goodbye, so the others stop forwarding at once. */
	async stop(): Promise<void> {
		if (this.#timer) clearInterval(this.#timer);
		this.#timer = null;
		await this.#redis.multi().del(nodeKey(this.id)).srem(NODES_SET, this.id).exec().catch(() => undefined);
	}

	/** The node if it is alive now. */
	async node(id: string): Promise<NodeInfo | null> {
		const raw = await this.#redis.get(nodeKey(id));
		return raw ? parseNode(raw) : null;
	}

	/** Every live node, the least loaded first. */
	async live(): Promise<NodeInfo[]> {
		const ids = await this.#redis.smembers(NODES_SET);
		if (ids.length === 0) return [];
		const raws = await this.#redis.mget(ids.map(nodeKey));
		const gone = ids.filter((_, i) => !raws[i]);
		if (gone.length > 0) await this.#redis.srem(NODES_SET, ...gone);
		return raws
			.map((raw) => (raw ? parseNode(raw) : null))
			.filter((n): n is NodeInfo => n !== null)
			.sort((a, b) => a.load.consumers + a.load.lessons - (b.load.consumers + b.load.lessons) || a.id.localeCompare(b.id));
	}

	async #beat(): Promise<void> {
		const info: NodeInfo = { id: this.id, url: this.url, load: await this.#options.load(), at: Date.now() };
		await this.#redis.multi().set(nodeKey(this.id), JSON.stringify(info), 'PX', this.ttlMs).sadd(NODES_SET, this.id).exec();
		await this.#options.onBeat?.();
	}
}

function parseNode(raw: string): NodeInfo | null {
	try {
		const value = JSON.parse(raw) as NodeInfo;
		return typeof value.id === 'string' && typeof value.url === 'string' ? value : null;
	} catch {
		return null;
	}
}
