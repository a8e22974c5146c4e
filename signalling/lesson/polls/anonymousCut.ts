import { POLL_LIMITS } from '../../../protocol/index.ts';
import type { StoredAnswer } from '../../store/LessonStore.ts';

/** Which of an anonymous poll's answers may be shown, and for which rooms per room. */
export interface AnonymousCut {
	/** Answers that may count anywhere (totals, events). */
	shown: StoredAnswer[];
	/** Rooms whose own figures may be shown (enough answers of their own, or none at all). */
	attributed: (classroomId: string) => boolean;
	/** Whether some answers were left out of `shown`. */
	withheld: boolean;
}

/**
 * No figure of an anonymous poll may come from fewer than POLL_LIMITS.anonymousMinAnswers answers:
 * rooms with one or two answers are not shown per room, and their answers join the totals only as
 * a pool of such rooms that is itself large enough. Otherwise a room with one student present
 * would show that student's answer, directly or as the total minus the other rooms.
 */
export function anonymousCut(answers: StoredAnswer[]): AnonymousCut {
	const min = POLL_LIMITS.anonymousMinAnswers;
	const perRoom = new Map<string, number>();
	for (const a of answers) perRoom.set(a.classroomId, (perRoom.get(a.classroomId) ?? 0) + 1);
	const small = new Set([...perRoom].filter(([, n]) => n < min).map(([id]) => id));
	const pooled = answers.filter((a) => small.has(a.classroomId)).length;
	const poolShown = pooled >= min;
	const shown = poolShown ? answers : answers.filter((a) => !small.has(a.classroomId));
	return { shown, attributed: (classroomId) => !small.has(classroomId), withheld: shown.length < answers.length };
}
