import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { moduleLogger } from '../../core/logger.ts';
import { fixedWindow, windowLimit, type RateBudget, type RateLimit } from './rateLimits.ts';

const log = moduleLogger('rate-limits');

/** Every counter's key: this, the purpose, the limited key (`cb:rl:join-address:203.0.113.7`). */
export const RATE_KEY_PREFIX = 'cb:rl:';
/** A rate check sits in front of every request: past this, Redis counts as away for that request. */
const COMMAND_TIMEOUT_MS = 500;

/**
 * Rate-limit counters in Redis, shared by every node, so that a client behind a load balancer gets
 * one budget and not one per node it lands on. While Redis cannot answer, each limit counts in this
 * node's memory instead (rate-limiter-flexible's insurance limiter): the limits degrade to per node,
 * requests are neither refused for it nor kept waiting.
 */
export class RedisRateLimits {
	readonly #redis: Redis;
	#reachable = true;

	constructor(url: string) {
		// Its own connection that fails fast: the store's client queues commands while Redis is away,
		// this one refuses them at once so that the memory counters answer.
		this.#redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: COMMAND_TIMEOUT_MS });
		this.#redis.on('error', (error: Error) => {
			if (this.#reachable) log.warn({ err: error.message }, 'redis unreachable: rate limits count per node until it is back');
			this.#reachable = false;
		});
		this.#redis.on('ready', () => {
			if (!this.#reachable) log.info('redis reachable again: rate limits are shared again');
			this.#reachable = true;
		});
	}

	/** True while the counters are in Redis; false while this node counts on its own. */
	get shared(): boolean {
		return this.#redis.status === 'ready';
	}

	/** A RateLimitFactory (rates/rateLimits.ts). */
	readonly limit = (purpose: string, budget: RateBudget): RateLimit => {
		const window = fixedWindow(budget);
		return windowLimit(
			new RateLimiterRedis({
				storeClient: this.#redis,
				keyPrefix: `${RATE_KEY_PREFIX}${purpose}`,
				...window,
				rejectIfRedisNotReady: true,
				insuranceLimiter: new RateLimiterMemory(window)
			})
		);
	};

	async close(): Promise<void> {
		this.#redis.disconnect();
	}
}
