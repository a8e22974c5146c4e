import type { Redis } from 'ioredis';
import { moduleLogger } from '../../core/logger.ts';

const log = moduleLogger('catalog:replica');

const DOC_KEY = 'cb:catalog';
const REV_KEY = 'cb:catalog:rev';
const CHANNEL = 'cb:catalog:changed';

/** Stores the document under the next revision and announces it; returns the revision. */
const PUBLISH = `local rev = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1])
redis.call('PUBLISH', KEYS[3], rev .. '\\n' .. ARGV[1])
return rev`;

/** Where the nodes of one deployment share the catalog (CatalogStore.replicate). */
export interface CatalogReplica {
	/** The shared copy, if a node has put one there. */
	load(): Promise<{ rev: number; json: string } | null>;
	/** Puts this node's copy there as the newest and tells the others; its revision. */
	publish(json: string): Promise<number>;
	/** Another node (or this one) published a copy. */
	onRemote(listener: (rev: number, json: string) => void): void;
	close(): Promise<void>;
}

/** The catalog in Redis: the newest document, its revision, and a channel announcing each one. */
export class RedisCatalogReplica implements CatalogReplica {
	readonly #redis: Redis;
	readonly #subscriber: Redis;
	readonly #listeners = new Set<(rev: number, json: string) => void>();

	private constructor(redis: Redis, subscriber: Redis) {
		this.#redis = redis;
		this.#subscriber = subscriber;
		subscriber.on('message', (_channel: string, message: string) => {
			const cut = message.indexOf('\n');
			const rev = Number(message.slice(0, cut));
			if (cut < 1 || !Number.isSafeInteger(rev)) return;
			for (const listener of this.#listeners) listener(rev, message.slice(cut + 1));
		});
	}

	static async open(redis: Redis): Promise<RedisCatalogReplica> {
		const subscriber = redis.duplicate();
		subscriber.on('error', (error: Error) => log.warn({ err: error.message }, 'catalog subscriber error'));
		await subscriber.subscribe(CHANNEL);
		return new RedisCatalogReplica(redis, subscriber);
	}

	async load(): Promise<{ rev: number; json: string } | null> {
		const [json, rev] = await this.#redis.mget(DOC_KEY, REV_KEY);
		return json && rev ? { rev: Number(rev), json } : null;
	}

	async publish(json: string): Promise<number> {
		return Number(await this.#redis.eval(PUBLISH, 3, DOC_KEY, REV_KEY, CHANNEL, json));
	}

	onRemote(listener: (rev: number, json: string) => void): void {
		this.#listeners.add(listener);
	}

	async close(): Promise<void> {
		this.#listeners.clear();
		this.#subscriber.disconnect();
	}
}
