/** A token bucket per key: `capacity` actions at once, refilled at `perSecond`. */
export class RateLimiter {
	readonly #capacity: number;
	readonly #perSecond: number;
	readonly #buckets = new Map<string, { tokens: number; at: number }>();

	constructor(capacity: number, perSecond: number) {
		this.#capacity = capacity;
		this.#perSecond = perSecond;
	}

	/** Takes one token; false when the key is over its rate. */
	take(key: string, now = Date.now()): boolean {
		const bucket = this.#buckets.get(key) ?? { tokens: this.#capacity, at: now };
		bucket.tokens = Math.min(this.#capacity, bucket.tokens + ((now - bucket.at) / 1000) * this.#perSecond);
		bucket.at = now;
		if (bucket.tokens < 1) {
			this.#buckets.set(key, bucket);
			return false;
		}
		bucket.tokens -= 1;
		this.#buckets.set(key, bucket);
		if (this.#buckets.size > 10_000) this.#prune(now);
		return true;
	}

	#prune(now: number): void {
		for (const [key, bucket] of this.#buckets) {
			if (bucket.tokens + ((now - bucket.at) / 1000) * this.#perSecond >= this.#capacity) this.#buckets.delete(key);
		}
	}
}
