import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { RateLimiter } from '../../core/RateLimiter.ts';

/** A budget per key: `burst` actions at once, refilled at about `perSecond`. */
export interface RateBudget {
	burst: number;
	perSecond: number;
}

/** The limit of one purpose. */
export interface RateLimit {
	/** Spends one action of `key`'s budget; false when the key is over it. */
	take(key: string): Promise<boolean>;
}

/**
 * Makes the limit of one purpose (`join-address`, `request-teacher-chat`). Where counters are shared
 * between nodes the purpose prefixes their keys, so two purposes never spend each other's budget.
 * Wired in app/app.ts: Redis when REDIS_URL is set (rates/RedisRateLimits.ts), else absent and each
 * user falls back to its memory default below.
 */
export type RateLimitFactory = (purpose: string, budget: RateBudget) => RateLimit;

/** Token buckets in this process: the default of the HTTP join and room-page limits. */
export const memoryBuckets: RateLimitFactory = (_purpose, { burst, perSecond }) => {
	const buckets = new RateLimiter(burst, perSecond);
	return { take: async (key) => buckets.take(key) };
};

/** Fixed windows in this process (idle keys expire by themselves): the default of the socket request limits. */
export const memoryWindows: RateLimitFactory = (_purpose, budget) => windowLimit(new RateLimiterMemory(fixedWindow(budget)));

/**
 * rate-limiter-flexible counts fixed windows, not token buckets: `burst` points per window of
 * burst/perSecond seconds keeps both the burst and the long-run rate. The difference: a key that
 * spends its burst at the end of one window may spend another at the start of the next (at most two
 * bursts in a short time), and a spent key waits for its window to end rather than for one token.
 */
export function fixedWindow({ burst, perSecond }: RateBudget): { points: number; duration: number } {
	return { points: Math.ceil(burst), duration: Math.max(1, Math.round(burst / perSecond)) };
}

/** A rate-limiter-flexible limiter as a RateLimit: its refusal is `false`; any other failure is thrown. */
export function windowLimit(limiter: RateLimiterAbstract): RateLimit {
	return {
		async take(key) {
			try {
				await limiter.consume(key);
				return true;
			} catch (refusal) {
				if (refusal instanceof RateLimiterRes) return false;
				throw refusal;
			}
		}
	};
}
