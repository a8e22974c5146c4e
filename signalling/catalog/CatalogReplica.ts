import type { Redis } from 'ioredis';
import { moduleLogger } from '../../core/logger.ts';

const log = moduleLogger('catalog:replica');

const DOC_KEY = 'cb:catalog';
const REV_KEY = 'cb:catalog:rev';
const CHANNEL = 'cb:catalog:changed';

/**
 * Stores the document under the next revision (past the publisher's own, so that revisions go on
 * rising after Redis lost its copy) and announces it; returns the revision.
 */
const PUBLISH = `local rev = math.max(tonumber(redis.call('GET', KEYS[2]) or '0'), tonumber(ARGV[2])) + 1
redis.call('SET', KEYS[2], rev)
redis.call('SET', KEYS[1], ARGV[1])
redis.call('PUBLISH', KEYS[3], rev .. '\\n' .. ARGV[1])
return rev`;

/** Where the nodes of one deployment share the catalog (CatalogStore.replicate). */
export interface CatalogReplica {
	/** The shared copy, if a node has put one there. */
	load(): Promise<{ rev: number; json: string } | null>;
	/** Puts this node's copy (of revision `after`) there as the newest and tells the others; its new revision. */
	publish(json: string, after: number): Promise<number>;
	/** Redis came back without the shared copy (a restart): `current` puts this node's back. */
	onLost(current: () => Promise<void>): void;
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
		// Subscribes again itself after a reconnect: ioredis's own resubscribe leaves its promise
		// unobserved, and a close during it would be an unhandled rejection.
		const subscriber = redis.duplicate({ autoResubscribe: false });
		subscriber.on('error', (error: Error) => log.warn({ err: error.message }, 'catalog subscriber error'));
		subscriber.on('ready', () => {
			subscriber.subscribe(CHANNEL).catch((error: Error) => log.warn({ err: error.message }, 'catalog changes not followed until the next reconnect'));
		});
		await subscriber.subscribe(CHANNEL);
		return new RedisCatalogReplica(redis, subscriber);
	}

	async load(): Promise<{ rev: number; json: string } | null> {
		const [json, rev] = await this.#redis.mget(DOC_KEY, REV_KEY);
		return json && rev ? { rev: Number(rev), json } : null;
	}

	async publish(json: string, after: number): Promise<number> {
		return Number(await this.#redis.eval(PUBLISH, 3, DOC_KEY, REV_KEY, CHANNEL, json, String(after)));
	}

	onLost(current: () => Promise<void>): void {
		this.#redis.on('ready', () => {
			this.#redis
				.exists(DOC_KEY)
				.then((exists) => (exists ? undefined : current()))
				.catch((error: Error) => log.warn({ err: error.message }, 'shared catalog not put back'));
		});
	}

	onRemote(listener: (rev: number, json: string) => void): void {
		this.#listeners.add(listener);
	}

	async close(): Promise<void> {
		this.#listeners.clear();
		this.#subscriber.disconnect();
	}
}
