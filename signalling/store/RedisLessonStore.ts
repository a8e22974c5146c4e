import { Redis } from 'ioredis';
import type { ChatMessage, HandEntry, Participant } from '../protocol/index.ts';
import { moduleLogger } from '../logger.ts';
import type { LessonStore, LiveState, StoredSurface } from './LessonStore.ts';

const log = moduleLogger('store:redis');

/** HSET that returns the previous value, atomically. */
const SWAP_FIELD = `local p = redis.call('HGET', KEYS[1], ARGV[1]); redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]); return p`;

/** Live lesson state in Redis, shared by every node of a scaled-out deployment. */
export class RedisLessonStore implements LessonStore {
	readonly kind = 'redis' as const;
	readonly #redis: Redis;
	readonly #prefix: string;

	constructor(url: string, options: { keyPrefix?: string } = {}) {
		this.#redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3, enableAutoPipelining: true });
		this.#redis.on('error', (error: Error) => log.warn({ err: error.message }, 'redis error'));
		this.#prefix = options.keyPrefix ?? 'cb:';
	}

	#key(lessonId: string, part: 'state' | 'audioOnly' | 'hands' | 'chat' | 'people' | 'surface'): string {
		return `${this.#prefix}lesson:{${lessonId}}:${part}`;
	}

	async liveState(lessonId: string): Promise<LiveState> {
		const [state, audioOnly] = await Promise.all([
			this.#redis.hgetall(this.#key(lessonId, 'state')),
			this.#redis.smembers(this.#key(lessonId, 'audioOnly'))
		]);
		return {
			stageClassroomId: state.stage ? state.stage : null,
			chatMuted: state.chatMuted === '1',
			audioOnlyClassroomIds: audioOnly.sort(),
			version: Number(state.version ?? 0)
		};
	}

	async setStage(lessonId: string, classroomId: string | null): Promise<string | null> {
		const previous = (await this.#redis.eval(SWAP_FIELD, 1, this.#key(lessonId, 'state'), 'stage', classroomId ?? '')) as string | null;
		return previous ? previous : null;
	}

	async setChatMuted(lessonId: string, muted: boolean): Promise<boolean> {
		const previous = (await this.#redis.eval(SWAP_FIELD, 1, this.#key(lessonId, 'state'), 'chatMuted', muted ? '1' : '0')) as string | null;
		return (previous === '1') !== muted;
	}

	async setAudioOnly(lessonId: string, classroomId: string, audioOnly: boolean): Promise<boolean> {
		const key = this.#key(lessonId, 'audioOnly');
		const n = audioOnly ? await this.#redis.sadd(key, classroomId) : await this.#redis.srem(key, classroomId);
		return n === 1;
	}

	async raiseHand(lessonId: string, hand: HandEntry): Promise<boolean> {
		return (await this.#redis.hsetnx(this.#key(lessonId, 'hands'), hand.participantId, JSON.stringify(hand))) === 1;
	}

	async lowerHand(lessonId: string, participantId: string): Promise<HandEntry | null> {
		const key = this.#key(lessonId, 'hands');
		const [[, raw], [, removed]] = (await this.#redis.multi().hget(key, participantId).hdel(key, participantId).exec()) as [
			[Error | null, string | null],
			[Error | null, number]
		];
		return removed === 1 && raw ? (JSON.parse(raw) as HandEntry) : null;
	}

	async hands(lessonId: string): Promise<HandEntry[]> {
		const all = await this.#redis.hvals(this.#key(lessonId, 'hands'));
		return all.map((raw) => JSON.parse(raw) as HandEntry).sort((a, b) => a.raisedAt - b.raisedAt);
	}

	async appendChat(lessonId: string, message: ChatMessage, keep: number): Promise<void> {
		const key = this.#key(lessonId, 'chat');
		await this.#redis.multi().rpush(key, JSON.stringify(message)).ltrim(key, -keep, -1).exec();
	}

	async chat(lessonId: string, limit: number): Promise<ChatMessage[]> {
		const raw = await this.#redis.lrange(this.#key(lessonId, 'chat'), -limit, -1);
		return raw.map((m) => JSON.parse(m) as ChatMessage);
	}

	async putParticipant(lessonId: string, participant: Participant): Promise<void> {
		await this.#redis.hset(this.#key(lessonId, 'people'), participant.id, JSON.stringify(participant));
	}

	async participants(lessonId: string): Promise<Participant[]> {
		const all = await this.#redis.hvals(this.#key(lessonId, 'people'));
		return all.map((raw) => JSON.parse(raw) as Participant);
	}

	async bumpVersion(lessonId: string): Promise<number> {
		return this.#redis.hincrby(this.#key(lessonId, 'state'), 'version', 1);
	}

	async surface(lessonId: string): Promise<StoredSurface | null> {
		const value = await this.#redis.get(this.#key(lessonId, 'surface'));
		return value ? (JSON.parse(value) as StoredSurface) : null;
	}

	async setSurface(lessonId: string, surface: StoredSurface): Promise<void> {
		await this.#redis.set(this.#key(lessonId, 'surface'), JSON.stringify(surface));
	}

	async clearLesson(lessonId: string): Promise<void> {
		const parts = ['state', 'audioOnly', 'hands', 'chat', 'people', 'surface'] as const;
		await this.#redis.del(...parts.map((p) => this.#key(lessonId, p)));
	}

	async close(): Promise<void> {
		await this.#redis.quit().catch(() => this.#redis.disconnect());
	}
}
