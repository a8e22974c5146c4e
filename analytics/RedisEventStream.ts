import { Redis } from 'ioredis';
import { moduleLogger } from '../core/logger.ts';
import type { IncomingEvent } from './eventRow.ts';

const log = moduleLogger('analytics-stream');

export const ANALYTICS_STREAM_KEY = 'cb:analytics:events';

/**
 * Every node's side of the scaled-out path: each ClassroomEvent is XADDed to one capped Redis
 * stream (MAXLEN ~), which the single store writer (RedisStoreWriter) reads.
 */
export class RedisEventStream {
	readonly #redis: Redis;
	readonly #maxLen: number;
	#added = 0;
	#failed = 0;

	constructor(url: string, maxLen: number) {
		this.#redis = new Redis(url, { maxRetriesPerRequest: 2 });
		this.#redis.on('error', (error: Error) => log.warn({ err: error.message }, 'redis error'));
		this.#maxLen = maxLen;
	}

	get added(): number {
		return this.#added;
	}

	get failed(): number {
		return this.#failed;
	}

	add(event: IncomingEvent): Promise<void> {
		return this.#redis
			.xadd(ANALYTICS_STREAM_KEY, 'MAXLEN', '~', String(this.#maxLen), '*', 'e', JSON.stringify(event))
			.then(() => {
				this.#added++;
			})
			.catch((error: Error) => {
				this.#failed++;
				log.error({ err: error.message, type: event.type }, 'event not added to the analytics stream');
			});
	}

	async close(): Promise<void> {
		await this.#redis.quit().catch(() => this.#redis.disconnect());
	}
}
