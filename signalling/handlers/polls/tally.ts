import { AppError, forbidden, invalid, notFound } from '../../../core/errors.ts';
import { canTally, optionCount } from '../../../protocol/index.ts';
import { pending } from '../../lesson/commit.ts';
import type { Handler } from '../context.ts';
import { existingPoll } from './lifecycle.ts';
import { feedOf } from './PollFeed.ts';
import { correctOption } from '../../lesson/polls/scoring.ts';

/** A room's show of hands for students without a device: the assistant's own room, or any room for the teacher. */
export const tallyPoll: Handler<'poll.tally'> = async ({ session, peer }, { pollId, classroomId, counts }) => {
	const { role } = peer.participant;
	const own = peer.participant.classroomId;
	const target = classroomId ?? (role === 'assistant' ? own : null);
	if (!target) throw invalid('poll.tally: name the classroom the tally is for');
	if (role === 'assistant' && target !== own) throw forbidden('an assistant may enter a tally only for their own room');
	if (!session.classroom(target)) throw notFound(`classroom ${target} is not in this lesson`);
	const poll = await existingPoll(session, pollId);
	if (poll.status === 'draft') throw new AppError('conflict', 'this poll has not been opened');
	if (!canTally(poll.spec.kind)) throw invalid('a show of hands can be tallied only for polls with options');
	const n = optionCount(poll.spec);
	if (counts.length !== n) throw invalid(`the poll has ${n} options; the tally gave ${counts.length} counts`);
	const right = correctOption(poll.spec);
	const tally = {
		classroomId: target,
		counts,
		total: counts.reduce((a, b) => a + b, 0),
		correct: right === null ? null : (counts[right] ?? 0),
		by: role === 'teacher' ? ('teacher' as const) : ('assistant' as const),
		at: Date.now()
	};
	await session.commit(peer, {
		apply: async () => {
			if (!(await session.store.setTally(session.lessonId, pollId, tally))) throw new AppError('conflict', 'the results are revealed; the tally can no longer change');
		},
		events: () => [pending('poll.tallied', { pollId, counts, total: tally.total }, { by: { ...session.actorOf(peer), classroomId: target } })],
		broadcast: 'none',
		notify: () => feedOf(session).resultsChanged(pollId)
	});
	return null;
};
