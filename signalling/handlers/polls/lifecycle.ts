import { randomBytes } from 'node:crypto';
import { AppError, invalid, notFound } from '../../../core/errors.ts';
import { SYSTEM_ACTOR, type EventActor } from '../../../core/EventBus.ts';
import type { LessonSession } from '../../lesson/LessonSession.ts';
import type { Peer } from '../../lesson/Peer.ts';
import { POLL_LIMITS, type PollSpec } from '../../../protocol/index.ts';
import type { StoredPoll } from '../../store/LessonStore.ts';
import type { Handler } from '../context.ts';
import { pending } from '../../lesson/commit.ts';
import { anonymousAnswerEvents, newAnonKey } from './anonymity.ts';
import { anonymousCut } from '../../lesson/polls/anonymousCut.ts';
import { feedOf, pollInfo } from './PollFeed.ts';
import { countPoll } from '../../lesson/polls/countPoll.ts';
import { publicResults } from '../../lesson/polls/results.ts';

const conflict = (message: string) => new AppError('conflict', message);

export async function existingPoll(session: LessonSession, pollId: string): Promise<StoredPoll> {
	const poll = await session.store.poll(session.lessonId, pollId);
	if (!poll) throw notFound(`no poll ${pollId} in this lesson`);
	return poll;
}

/** A poll tied to a slide must name a page that exists. */
async function checkSlide(session: LessonSession, spec: PollSpec): Promise<void> {
	if (!spec.slide) return;
	const { deckId, page } = spec.slide;
	const deck = (await session.decks()).find((d) => d.id === deckId);
	if (!deck) throw notFound(`no deck ${deckId} in this lesson`);
	if (page > deck.pageCount) throw invalid(`deck "${deck.title}" has ${deck.pageCount} pages; there is no page ${page}`);
}

async function newDraft(session: LessonSession, spec: PollSpec, prepared: boolean, id?: string): Promise<StoredPoll> {
	await checkSlide(session, spec);
	if ((await session.store.polls(session.lessonId)).length >= POLL_LIMITS.perLesson) {
		throw conflict(`a lesson holds at most ${POLL_LIMITS.perLesson} polls`);
	}
	const poll: StoredPoll = {
		id: id ?? `pol_${randomBytes(6).toString('hex')}`,
		spec,
		status: 'draft',
		prepared,
		createdAt: Date.now(),
		openedAt: null,
		closesAt: null,
		closedAt: null,
		closedBy: null,
		revealedAt: null,
		anonKey: null,
		results: null
	};
	await session.store.saveDraft(session.lessonId, poll);
	return poll;
}

/**
 * Closes an open poll (teacher or timer). Returns false when it was not open: the other one won
 * the race, or it was never opened.
 */
export async function closePoll(session: LessonSession, pollId: string, by: 'teacher' | 'timer', actor: EventActor): Promise<boolean> {
	const feed = feedOf(session);
	feed.forget(pollId);
	const closedAt = Date.now();
	const closed = await session.commit(actor, {
		apply: async () => {
			if (!(await session.store.closePoll(session.lessonId, pollId, { closedAt, by }))) return null;
			const poll = await session.store.poll(session.lessonId, pollId);
			if (!poll) return null;
			const { results, answers } = await countPoll(session, poll);
			return { poll, results, answers };
		},
		events: (closed) => {
			if (!closed) return [];
			const { poll, results, answers } = closed;
			const cut = poll.spec.anonymous ? anonymousCut(answers) : null;
			const withheld = cut ? { withheldRooms: [...new Set(answers.map((a) => a.classroomId))].filter((id) => !cut.attributed(id)) } : {};
			return [
				...(cut ? anonymousAnswerEvents(poll, answers, closedAt) : []),
				pending('poll.closed', { pollId, by, answered: (cut?.shown ?? answers).length, ...withheld, results }, { at: closedAt })
			];
		},
		notify: async () => {
			feed.resultsChanged(pollId);
			await feed.pushList();
		}
	});
	return closed !== null;
}

/**
 * The current poll's timer on this node: a session made here after a restart or after another node
 * that served the lesson died arms it (or closes a poll whose time ran out meanwhile).
 */
export async function resumePollTimer(session: LessonSession): Promise<void> {
	const live = await session.store.liveState(session.lessonId);
	if (live.currentPollId) await settleTimer(session, await session.store.poll(session.lessonId, live.currentPollId));
}

/** A poll whose timer ran out while no node's timer was there to close it (e.g. after a restart). */
export async function settleTimer(session: LessonSession, poll: StoredPoll | null): Promise<StoredPoll | null> {
	if (poll?.status !== 'open' || poll.closesAt === null) return poll;
	if (poll.closesAt > Date.now()) {
		feedOf(session).armTimer(poll, () => closePoll(session, poll.id, 'timer', SYSTEM_ACTOR));
		return poll;
	}
	await closePoll(session, poll.id, 'timer', SYSTEM_ACTOR);
	return session.store.poll(session.lessonId, poll.id);
}

export const preparePoll: Handler<'poll.prepare'> = async ({ session, peer }, { pollId, spec }) => {
	const poll = await session.commit(peer, {
		apply: async () => {
			if (!pollId) return newDraft(session, spec, true);
			const existing = await existingPoll(session, pollId);
			if (existing.status !== 'draft') throw conflict('this poll was opened already; prepare a new one');
			await checkSlide(session, spec);
			const edited = { ...existing, spec };
			if (!(await session.store.saveDraft(session.lessonId, edited))) throw conflict('this poll was opened already; prepare a new one');
			return edited;
		},
		events: (poll) => [pending('poll.prepared', { pollId: poll.id, kind: poll.spec.kind, question: poll.spec.question, edited: !!pollId })],
		broadcast: 'none',
		notify: () => feedOf(session).pushList()
	});
	return pollInfo(poll);
};

export const discardPoll: Handler<'poll.discard'> = async ({ session, peer }, { pollId }) => {
	await session.commit(peer, {
		apply: async () => {
			if (await session.store.deleteDraft(session.lessonId, pollId)) return;
			await existingPoll(session, pollId);
			throw conflict('only a prepared poll that was never opened can be discarded');
		},
		events: () => [pending('poll.discarded', { pollId })],
		broadcast: 'none',
		notify: () => feedOf(session).pushList()
	});
	return null;
};

/**
 * Polls are the teacher's in a live lesson; in a replayed session the room's assistant runs them
 * (the session has only their room). The role may; the lesson is the wrong kind: a conflict.
 */
export function assertMayRunPolls(session: LessonSession, peer: Peer): void {
	if (peer.participant.role === 'assistant' && !session.record.replayOf) {
		throw conflict('in a live lesson the teacher runs the polls; assistants run them when a recorded lesson is taught in class');
	}
}

export const openPoll: Handler<'poll.open'> = async ({ session, peer }, payload) => {
	assertMayRunPolls(session, peer);
	const live = await session.store.liveState(session.lessonId);
	if (live.currentPollId) await settleTimer(session, await session.store.poll(session.lessonId, live.currentPollId));
	const adHoc = 'spec' in payload;
	const draft = adHoc ? await newDraft(session, payload.spec, false) : await existingPoll(session, payload.pollId);
	if (!adHoc) await checkSlide(session, draft.spec);
	return pollInfo(await openDraft(session, session.actorOf(peer), draft, adHoc));
};

/**
 * Opens a recorded poll in a replayed session under the recorded poll's id (a draft made on the
 * spot), as the system: 'exists' when this session opened it already, 'busy' while another
 * poll is open.
 */
export async function openReplayedPoll(session: LessonSession, pollId: string, spec: PollSpec): Promise<'opened' | 'exists' | 'busy'> {
	const live = await session.store.liveState(session.lessonId);
	if (live.currentPollId) await settleTimer(session, await session.store.poll(session.lessonId, live.currentPollId));
	if (await session.store.poll(session.lessonId, pollId)) return 'exists';
	const draft = await newDraft(session, { ...spec, slide: null, timerSeconds: null }, true, pollId);
	try {
		await openDraft(session, SYSTEM_ACTOR, draft, true, true);
		return 'opened';
	} catch (error) {
		if (error instanceof AppError && error.code === 'conflict') return 'busy';
		throw error;
	}
}

async function openDraft(session: LessonSession, actor: EventActor, draft: StoredPoll, dropOnRefusal: boolean, replayed = false): Promise<StoredPoll> {
	const { spec } = draft;
	const openedAt = Date.now();
	const closesAt = spec.timerSeconds === null ? null : openedAt + spec.timerSeconds * 1000;
	const outcome = await session.store.openPoll(session.lessonId, draft.id, { openedAt, closesAt, anonKey: spec.anonymous ? newAnonKey() : null });
	if (outcome !== 'opened') {
		if (dropOnRefusal) await session.store.deleteDraft(session.lessonId, draft.id);
		if (outcome === 'busy') throw conflict('another poll is open; close it first');
		if (outcome === 'not_draft') throw conflict('this poll was opened already; prepare a new one');
		throw notFound(`no poll ${draft.id} in this lesson`);
	}
	const feed = feedOf(session);
	return session.commit(actor, {
		apply: () => existingPoll(session, draft.id),
		events: (poll) => [
			pending('poll.opened', {
				pollId: poll.id,
				kind: spec.kind,
				question: spec.question,
				options: spec.kind === 'single' || spec.kind === 'multiple' ? spec.options : [],
				anonymous: spec.anonymous,
				quiz: spec.correct !== null,
				allowChange: spec.allowChange,
				timerSeconds: spec.timerSeconds,
				prepared: poll.prepared,
				slide: spec.slide,
				openedAt,
				closesAt,
				...(spec.correct !== null ? { answerKey: spec.correct } : {}),
				...(replayed ? { replayed: true } : {})
			})
		],
		notify: async (poll) => {
			feed.armTimer(poll, () => closePoll(session, poll.id, 'timer', SYSTEM_ACTOR));
			feed.resultsChanged(poll.id);
			await feed.pushList();
		}
	});
}

export const closePollRequest: Handler<'poll.close'> = async ({ session, peer }, { pollId }) => {
	assertMayRunPolls(session, peer);
	const closed = await closePoll(session, pollId, 'teacher', session.actorOf(peer));
	const poll = await existingPoll(session, pollId);
	if (!closed && poll.status === 'draft') throw conflict('this poll has not been opened');
	return pollInfo(poll);
};

export const revealPoll: Handler<'poll.reveal'> = async ({ session, peer }, { pollId }) => {
	assertMayRunPolls(session, peer);
	const poll = await existingPoll(session, pollId);
	if (poll.status !== 'closed') throw conflict('close the poll before revealing its results');
	if (poll.revealedAt !== null) return pollInfo(poll);
	const { store, lessonId } = session;
	const { results } = await countPoll(session, poll);
	const feed = feedOf(session);
	await session.commit(peer, {
		apply: () => store.revealPoll(lessonId, pollId, Date.now(), publicResults(results)),
		events: (revealed) => (revealed ? [pending('poll.revealed', { pollId, answered: results.answered, correct: results.correct, results: { ...results, revealed: true } })] : []),
		notify: async () => {
			feed.resultsChanged(pollId);
			await feed.pushList();
		}
	});
	return pollInfo(await existingPoll(session, pollId));
};

export const dismissPoll: Handler<'poll.dismiss'> = async ({ session, peer }, { pollId }) => {
	assertMayRunPolls(session, peer);
	const poll = await existingPoll(session, pollId);
	if (poll.status === 'open') throw conflict('close the poll before taking it off the screens');
	await session.commit(peer, {
		apply: () => session.store.dismissPoll(session.lessonId, pollId),
		events: (dismissed) => (dismissed ? [pending('poll.dismissed', { pollId })] : [])
	});
	return null;
};

