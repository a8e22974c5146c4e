import type { Participant, PollResults } from '../../../protocol/index.ts';
import type { LessonStore, StoredAnswer, StoredPoll } from '../../store/LessonStore.ts';
import { pollResults } from './results.ts';

/** What a poll's results are counted from, in one lesson. */
export interface PollSource {
	store: LessonStore;
	lessonId: string;
	classrooms: readonly { id: string }[];
}

export interface CountedPoll {
	results: PollResults;
	/** Kept for the per-room views, which need the answers and who is present. */
	answers: StoredAnswer[];
	people: Participant[];
}

/** Loads a poll's answers, tallies and participants from the store and counts them (the teacher's full view). */
export async function countPoll({ store, lessonId, classrooms }: PollSource, poll: StoredPoll): Promise<CountedPoll> {
	const [answers, tallies, people] = await Promise.all([
		store.pollAnswers(lessonId, poll.id),
		store.tallies(lessonId, poll.id),
		store.participants(lessonId)
	]);
	return { results: pollResults(poll, answers, tallies, people, classrooms.map((c) => c.id)), answers, people };
}
