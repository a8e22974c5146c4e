import { moduleLogger } from '../../../core/logger.ts';
import type { LessonSession } from '../../lesson/LessonSession.ts';
import type { PollInfo } from '../../../protocol/index.ts';
import type { StoredPoll } from '../../store/LessonStore.ts';
import { countPoll } from '../../lesson/polls/countPoll.ts';
import { classroomView } from '../../lesson/polls/results.ts';

const log = moduleLogger('polls');

/** Live results go out at most this often per lesson; the last change always follows. */
export const RESULTS_INTERVAL_MS = 100;

/**
 * One lesson's poll traffic on this node: throttled `polls.results` (a burst of answers becomes one
 * notification per interval, computed from the store so it is always exact), the teacher's poll
 * list, the server-side timers that close polls, and a cache of open polls for the answer path.
 */
export class PollFeed {
	readonly #session: LessonSession;
	readonly #dirty = new Set<string>();
	readonly #closeTimers = new Map<string, NodeJS.Timeout>();
	readonly #open = new Map<string, StoredPoll>();
	#timer: NodeJS.Timeout | null = null;
	#sending = false;
	#lastSentAt = 0;

	constructor(session: LessonSession) {
		this.#session = session;
	}

	/** An open poll (spec and anonymity key never change while open), from the store the first time. */
	async openPoll(pollId: string): Promise<StoredPoll | null> {
		const cached = this.#open.get(pollId);
		if (cached) return cached;
		const poll = await this.#session.store.poll(this.#session.lessonId, pollId);
		if (poll?.status === 'open') this.#open.set(pollId, poll);
		return poll;
	}

	forget(pollId: string): void {
		this.#open.delete(pollId);
		clearTimeout(this.#closeTimers.get(pollId));
		this.#closeTimers.delete(pollId);
	}

	/** Calls `due` when the poll's timer runs out (the store refuses answers from then on anyway). */
	armTimer(poll: StoredPoll, due: () => Promise<unknown>): void {
		if (poll.status !== 'open' || poll.closesAt === null || this.#closeTimers.has(poll.id)) return;
		const timer = setTimeout(() => {
			this.#closeTimers.delete(poll.id);
			due().catch((error: Error) => log.error({ lessonId: this.#session.lessonId, pollId: poll.id, err: error.message }, 'timed close failed'));
		}, Math.max(0, poll.closesAt - Date.now()));
		timer.unref();
		this.#closeTimers.set(poll.id, timer);
	}

	/** Results of this poll changed: send them within RESULTS_INTERVAL_MS. */
	resultsChanged(pollId: string): void {
		this.#dirty.add(pollId);
		this.#schedule();
	}

	/** The teacher's list of every poll. */
	async pushList(): Promise<void> {
		const polls = await this.#session.store.polls(this.#session.lessonId);
		this.#session.notifyAudiences([this.#session.roleAudience('teacher')], 'polls.list', polls.map(pollInfo));
		await this.#session.keepDrafts();
	}

	close(): void {
		for (const timer of this.#closeTimers.values()) clearTimeout(timer);
		this.#closeTimers.clear();
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = null;
	}

	#schedule(): void {
		if (this.#timer || this.#sending) return;
		const wait = Math.max(0, this.#lastSentAt + RESULTS_INTERVAL_MS - Date.now());
		this.#timer = setTimeout(() => {
			this.#timer = null;
			void this.#flush();
		}, wait);
	}

	async #flush(): Promise<void> {
		if (this.#dirty.size === 0) return;
		this.#sending = true;
		this.#lastSentAt = Date.now();
		const pollIds = [...this.#dirty];
		this.#dirty.clear();
		try {
			for (const pollId of pollIds) await this.#send(pollId);
		} catch (error) {
			log.error({ lessonId: this.#session.lessonId, err: (error as Error).message }, 'poll results failed');
		} finally {
			this.#sending = false;
			// Anything that changed while this was being sent goes out one interval later.
			if (this.#dirty.size > 0) this.#schedule();
		}
	}

	async #send(pollId: string): Promise<void> {
		const session = this.#session;
		const { store, lessonId } = session;
		const poll = await store.poll(lessonId, pollId);
		if (!poll || poll.status === 'draft') return;
		const { results, answers, people } = await countPoll(session, poll);
		session.notifyAudiences([session.roleAudience('teacher'), session.roleAudience('observer')], 'polls.results', { view: 'full', results });
		for (const { id: classroomId } of session.classrooms) {
			const view = classroomView(poll, results, answers, people, classroomId);
			session.notifyAudiences([session.roleAudience('assistant', classroomId)], 'polls.results', { view: 'classroom', results: view });
		}
	}
}

/** The teacher's view of a stored poll: the anonymity key never leaves the server. */
export function pollInfo(poll: StoredPoll): PollInfo {
	const { anonKey: _key, results: _results, ...info } = poll;
	return info;
}

const feeds = new WeakMap<LessonSession, PollFeed>();

export function feedOf(session: LessonSession): PollFeed {
	let feed = feeds.get(session);
	if (!feed) {
		feed = new PollFeed(session);
		feeds.set(session, feed);
	}
	return feed;
}
