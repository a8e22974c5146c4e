import { publicPoll, type PollResultsNotice, type PollsState } from '../../../protocol/index.ts';
import type { Handler } from '../context.ts';
import { voterOf } from './anonymity.ts';
import { settleTimer } from './lifecycle.ts';
import { pollInfo } from './PollFeed.ts';
import { countPoll } from '../../lesson/polls/countPoll.ts';
import { classroomView } from '../../lesson/polls/results.ts';

/** What the caller's role may know about polls now: for clients that (re)join mid-poll. */
export const pollState: Handler<'poll.state'> = async ({ session, peer }) => {
	const { store, lessonId } = session;
	const { role, classroomId } = peer.participant;
	const live = await store.liveState(lessonId);
	const current = await settleTimer(session, live.currentPollId ? await store.poll(lessonId, live.currentPollId) : null);
	const state: PollsState = { current: current ? publicPoll(current, current.results) : null, mine: null, polls: null, results: null };
	if (role === 'teacher') state.polls = (await store.polls(lessonId)).map(pollInfo);
	if (!current || current.status === 'draft') return state;
	if (role === 'student') {
		// An anonymous answer can be found only while its poll is open (its key is gone after).
		if (current.status === 'open' || !current.spec.anonymous) {
			state.mine = (await store.pollAnswer(lessonId, current.id, voterOf(current, peer.id)))?.answer ?? null;
		}
		return state;
	}
	if (role !== 'teacher' && role !== 'observer' && role !== 'assistant') return state;
	const { results, answers, people } = await countPoll(session, current);
	let notice: PollResultsNotice = { view: 'full', results };
	if (role === 'assistant') notice = { view: 'classroom', results: classroomView(current, results, answers, people, classroomId ?? '') };
	state.results = notice;
	return state;
};
