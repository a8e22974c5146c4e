import { AppError, forbidden, notFound } from '../../../core/errors.ts';
import { pending } from '../../lesson/commit.ts';
import type { Handler } from '../context.ts';
import { voterOf } from './anonymity.ts';
import { settleTimer } from './lifecycle.ts';
import { feedOf } from './PollFeed.ts';
import { answerEventData, normalizeAnswer } from '../../lesson/polls/scoring.ts';

const conflict = (message: string) => new AppError('conflict', message);
const CLOSED = 'this poll is closed; your answer was not counted';

export const answerPoll: Handler<'poll.answer'> = async ({ session, peer }, { pollId, answer }) => {
	const feed = feedOf(session);
	const poll = await feed.openPoll(pollId);
	if (!poll || poll.status === 'draft') throw notFound(`no open poll ${pollId} in this lesson`);
	const now = Date.now();
	if (poll.status !== 'open') throw conflict(CLOSED);
	if (poll.closesAt !== null && now >= poll.closesAt) {
		await settleTimer(session, poll);
		throw conflict(CLOSED);
	}
	const normalized = normalizeAnswer(poll.spec, answer);
	const classroomId = peer.participant.classroomId;
	if (!classroomId) throw forbidden('only students of a classroom answer polls');
	// An anonymous poll's answers become events only at close, all with the close time (lifecycle.ts).
	const outcome = await session.commit(peer, {
		apply: () => session.store.answerPoll(session.lessonId, pollId, { voter: voterOf(poll, peer.id), classroomId, answer: normalized }, now),
		events: (outcome) =>
			(outcome === 'new' || outcome === 'changed') && !poll.spec.anonymous
				? [pending(outcome === 'new' ? 'poll.answered' : 'poll.changed', answerEventData(pollId, poll.spec, normalized))]
				: [],
		broadcast: 'none',
		notify: () => feed.resultsChanged(pollId)
	});
	switch (outcome) {
		case 'closed':
			feed.forget(pollId);
			throw conflict(CLOSED);
		case 'locked':
			throw conflict('you have answered already, and this poll does not allow changing an answer');
		case 'not_found':
			throw notFound(`no open poll ${pollId} in this lesson`);
		case 'same':
			return { pollId, answer: normalized, outcome };
		case 'new':
		case 'changed':
			if (poll.spec.anonymous) feed.resultsChanged(pollId);
			return { pollId, answer: normalized, outcome };
	}
};
