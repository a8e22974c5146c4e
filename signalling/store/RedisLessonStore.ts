import { Redis } from 'ioredis';
import type { PlaybackState, ChatMessage, HandEntry, Participant, PublicPollResults, StudentChatMode } from '../../protocol/index.ts';
import { moduleLogger } from '../../core/logger.ts';
import type { AnswerOutcome, LessonStore, LiveState, OpenOutcome, StoredAnswer, StoredPoll, StoredSurface, StoredTally } from './LessonStore.ts';
import { POLL_SCRIPTS, pollFromHash, pollToHash } from './redisPolls.ts';

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

	#key(lessonId: string, part: 'state' | 'audioOnly' | 'hands' | 'chat' | 'people' | 'surface' | 'playback' | 'polls'): string {
		return `${this.#prefix}lesson:{${lessonId}}:${part}`;
	}

	/** One poll's hash, answers (voter → answer) and tallies (classroom → tally), in the lesson's slot. */
	#pollKey(lessonId: string, pollId: string, part?: 'answers' | 'tallies'): string {
		return `${this.#prefix}lesson:{${lessonId}}:poll:${pollId}${part ? `:${part}` : ''}`;
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
			version: Number(state.version ?? 0),
			studentChat: (state.studentChat as StudentChatMode | undefined) ?? 'off',
			currentPollId: state.currentPoll ? state.currentPoll : null
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

	async playback(lessonId: string): Promise<PlaybackState | null> {
		const value = await this.#redis.get(this.#key(lessonId, 'playback'));
		return value ? (JSON.parse(value) as PlaybackState) : null;
	}

	async setPlayback(lessonId: string, playback: PlaybackState): Promise<void> {
		await this.#redis.set(this.#key(lessonId, 'playback'), JSON.stringify(playback));
	}

	async setStudentChat(lessonId: string, mode: StudentChatMode): Promise<boolean> {
		const previous = (await this.#redis.eval(SWAP_FIELD, 1, this.#key(lessonId, 'state'), 'studentChat', mode)) as string | null;
		return (previous ?? 'off') !== mode;
	}

	async polls(lessonId: string): Promise<StoredPoll[]> {
		const ids = await this.#redis.lrange(this.#key(lessonId, 'polls'), 0, -1);
		const polls = await Promise.all(ids.map((id) => this.poll(lessonId, id)));
		return polls.filter((p): p is StoredPoll => p !== null);
	}

	async poll(lessonId: string, pollId: string): Promise<StoredPoll | null> {
		return pollFromHash(await this.#redis.hgetall(this.#pollKey(lessonId, pollId)));
	}

	async saveDraft(lessonId: string, poll: StoredPoll): Promise<boolean> {
		const fields = pollToHash({ ...poll, status: 'draft' });
		const saved = await this.#redis.eval(POLL_SCRIPTS.saveDraft, 2, this.#pollKey(lessonId, poll.id), this.#key(lessonId, 'polls'), poll.id, JSON.stringify(fields));
		return saved === 1;
	}

	async deleteDraft(lessonId: string, pollId: string): Promise<boolean> {
		const keys = [this.#pollKey(lessonId, pollId), this.#key(lessonId, 'polls'), this.#pollKey(lessonId, pollId, 'answers'), this.#pollKey(lessonId, pollId, 'tallies')];
		return (await this.#redis.eval(POLL_SCRIPTS.deleteDraft, keys.length, ...keys, pollId)) === 1;
	}

	async openPoll(lessonId: string, pollId: string, open: { openedAt: number; closesAt: number | null; anonKey: string | null }): Promise<OpenOutcome> {
		return (await this.#redis.eval(
			POLL_SCRIPTS.open,
			2,
			this.#key(lessonId, 'state'),
			this.#pollKey(lessonId, pollId),
			pollId,
			String(open.openedAt),
			open.closesAt === null ? '' : String(open.closesAt),
			open.anonKey ?? ''
		)) as OpenOutcome;
	}

	async closePoll(lessonId: string, pollId: string, close: { closedAt: number; by: 'teacher' | 'timer' }): Promise<boolean> {
		const closed = await this.#redis.eval(POLL_SCRIPTS.close, 2, this.#key(lessonId, 'state'), this.#pollKey(lessonId, pollId), pollId, String(close.closedAt), close.by);
		return closed === 1;
	}

	async revealPoll(lessonId: string, pollId: string, revealedAt: number, results: PublicPollResults): Promise<boolean> {
		return (await this.#redis.eval(POLL_SCRIPTS.reveal, 1, this.#pollKey(lessonId, pollId), String(revealedAt), JSON.stringify(results))) === 1;
	}

	async dismissPoll(lessonId: string, pollId: string): Promise<boolean> {
		return (await this.#redis.eval(POLL_SCRIPTS.dismiss, 1, this.#key(lessonId, 'state'), pollId)) === 1;
	}

	async answerPoll(lessonId: string, pollId: string, answer: StoredAnswer, now: number): Promise<AnswerOutcome> {
		const record = JSON.stringify({ classroomId: answer.classroomId, answer: answer.answer });
		return (await this.#redis.eval(
			POLL_SCRIPTS.answer,
			2,
			this.#pollKey(lessonId, pollId),
			this.#pollKey(lessonId, pollId, 'answers'),
			answer.voter,
			record,
			String(now)
		)) as AnswerOutcome;
	}

	async pollAnswers(lessonId: string, pollId: string): Promise<StoredAnswer[]> {
		const all = await this.#redis.hgetall(this.#pollKey(lessonId, pollId, 'answers'));
		return Object.entries(all).map(([voter, raw]) => ({ voter, ...(JSON.parse(raw) as Omit<StoredAnswer, 'voter'>) }));
	}

	async pollAnswer(lessonId: string, pollId: string, voter: string): Promise<StoredAnswer | null> {
		const raw = await this.#redis.hget(this.#pollKey(lessonId, pollId, 'answers'), voter);
		return raw ? { voter, ...(JSON.parse(raw) as Omit<StoredAnswer, 'voter'>) } : null;
	}

	async setTally(lessonId: string, pollId: string, tally: StoredTally): Promise<boolean> {
		const keys = [this.#pollKey(lessonId, pollId), this.#pollKey(lessonId, pollId, 'tallies')];
		return (await this.#redis.eval(POLL_SCRIPTS.tally, 2, ...keys, tally.classroomId, JSON.stringify(tally))) === 1;
	}

	async tallies(lessonId: string, pollId: string): Promise<StoredTally[]> {
		const all = await this.#redis.hvals(this.#pollKey(lessonId, pollId, 'tallies'));
		return all.map((raw) => JSON.parse(raw) as StoredTally).sort((a, b) => a.classroomId.localeCompare(b.classroomId));
	}

	async clearLesson(lessonId: string): Promise<void> {
		const parts = ['state', 'audioOnly', 'hands', 'chat', 'people', 'surface', 'playback', 'polls'] as const;
		const pollIds = await this.#redis.lrange(this.#key(lessonId, 'polls'), 0, -1);
		const pollKeys = pollIds.flatMap((id) => [this.#pollKey(lessonId, id), this.#pollKey(lessonId, id, 'answers'), this.#pollKey(lessonId, id, 'tallies')]);
		await this.#redis.del(...parts.map((p) => this.#key(lessonId, p)), ...pollKeys);
	}

	async close(): Promise<void> {
		await this.#redis.quit().catch(() => this.#redis.disconnect());
	}
}
