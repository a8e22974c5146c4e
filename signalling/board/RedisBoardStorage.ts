import { Redis } from 'ioredis';
import { moduleLogger } from '../../core/logger.ts';
import type { StoredSurface } from '../store/LessonStore.ts';
import type { BoardSave, BoardStorage, StoredBoard } from './BoardStorage.ts';
import type { StoredRecord } from './pages.ts';

const log = moduleLogger('board-redis');

/** One hash per lesson: `head`, `surface` and `page:<boardId>` fields, each a JSON string. */
export class RedisBoardStorage implements BoardStorage {
	readonly kind = 'redis';
	readonly #redis: Redis;

	constructor(url: string) {
		this.#redis = new Redis(url, { maxRetriesPerRequest: 2 });
		this.#redis.on('error', (error: Error) => log.warn({ err: error.message }, 'redis error'));
	}

	#key(lessonId: string): string {
		return `cb:board:${lessonId}`;
	}

	async load(lessonId: string): Promise<StoredBoard | null> {
		const fields = await this.#redis.hgetall(this.#key(lessonId));
		if (!fields.head) return null;
		const head = JSON.parse(fields.head) as { schema: unknown; documentClock: number; shared: StoredRecord[] };
		const pages = new Map<string, StoredRecord[]>();
		for (const [field, value] of Object.entries(fields)) {
			if (field.startsWith('page:')) pages.set(field.slice(5), JSON.parse(value) as StoredRecord[]);
		}
		return { schema: head.schema, documentClock: head.documentClock, shared: head.shared, pages };
	}

	async save(lessonId: string, change: BoardSave): Promise<void> {
		const key = this.#key(lessonId);
		const multi = this.#redis.multi();
		for (const [boardId, records] of change.pages) {
			if (records === null) multi.hdel(key, `page:${boardId}`);
			else multi.hset(key, `page:${boardId}`, JSON.stringify(records));
		}
		multi.hset(key, 'head', JSON.stringify({ schema: change.schema, documentClock: change.documentClock, shared: change.shared }));
		await multi.exec();
	}

	async loadSurface(lessonId: string): Promise<StoredSurface | null> {
		const value = await this.#redis.hget(this.#key(lessonId), 'surface');
		return value ? (JSON.parse(value) as StoredSurface) : null;
	}

	async saveSurface(lessonId: string, surface: StoredSurface): Promise<void> {
		await this.#redis.hset(this.#key(lessonId), 'surface', JSON.stringify(surface));
	}

	async close(): Promise<void> {
		this.#redis.disconnect();
	}
}
