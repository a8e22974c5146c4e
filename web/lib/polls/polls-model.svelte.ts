import type { ClassList, PollAnswer, PollInfo, PollResultsNotice, PollsState, PublicPoll } from '$protocol';

/** Poll state beside the snapshot's public `poll`: the teacher's list, live results, my answer, class lists. */
export class PollsModel {
	/** The student's own answer to the current poll. */
	mine = $state.raw<{ pollId: string; answer: PollAnswer } | null>(null);
	/** Teacher: every poll of the lesson. */
	list = $state.raw<PollInfo[]>([]);
	/** Teacher/observer ('full') or assistant ('classroom'). */
	results = $state.raw<PollResultsNotice | null>(null);
	classLists = $state.raw<Record<string, ClassList>>({});

	applyState(state: PollsState): void {
		if (state.polls) this.list = state.polls;
		this.results = state.results;
		this.mine = state.current && state.mine ? { pollId: state.current.id, answer: state.mine } : null;
	}

	setMine(pollId: string, answer: PollAnswer): void {
		this.mine = { pollId, answer };
	}

	setClassList(list: ClassList): void {
		this.classLists = { ...this.classLists, [list.classroomId]: list };
	}

	/** My answer, only if it belongs to this poll. */
	mineFor(poll: PublicPoll | null): PollAnswer | null {
		return poll && this.mine?.pollId === poll.id ? this.mine.answer : null;
	}
}
