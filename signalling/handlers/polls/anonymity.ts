import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { AppError } from '../../../core/errors.ts';
import { ANONYMOUS_ACTOR } from '../../../protocol/index.ts';
import type { EventActor } from '../../../core/EventBus.ts';
import { pending, type PendingEvent } from '../../lesson/commit.ts';
import type { StoredAnswer, StoredPoll } from '../../store/LessonStore.ts';
import { anonymousCut } from '../../lesson/polls/anonymousCut.ts';
import { answerEventData } from '../../lesson/polls/scoring.ts';

/** A fresh key for one anonymous poll; the store drops it when the poll closes. */
export function newAnonKey(): string {
	return randomBytes(32).toString('hex');
}

/**
 * Whom an answer is filed under. Anonymous polls file it under a keyed hash of the participant id,
 * so one student still has one answer (and may change it), but once the key is gone at close no
 * one, the server included, can tell whose answer is whose.
 */
export function voterOf(poll: StoredPoll, participantId: string): string {
	if (!poll.spec.anonymous) return participantId;
	if (!poll.anonKey) throw new AppError('conflict', 'this poll is closed; your answer was not counted');
	return createHmac('sha256', Buffer.from(poll.anonKey, 'hex')).update(participantId).digest('hex').slice(0, 32);
}

/**
 * An anonymous poll's answers as events, published once at close: each with the close time (not
 * when it was given), in no particular order, by actor `anonymous`, and with a room only where that
 * room has enough answers to show (anonymousCut). Answers of too small a pool are not published.
 */
export function anonymousAnswerEvents(poll: StoredPoll, answers: StoredAnswer[], closedAt: number): PendingEvent[] {
	const cut = anonymousCut(answers);
	const shuffled = [...cut.shown];
	for (let i = shuffled.length - 1; i > 0; i--) {
		const j = randomInt(i + 1);
		[shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
	}
	return shuffled.map(({ classroomId, answer }) => {
		const by: EventActor = { actor: ANONYMOUS_ACTOR, role: 'student', classroomId: cut.attributed(classroomId) ? classroomId : null };
		return pending('poll.answered', answerEventData(poll.id, poll.spec, answer), { by, at: closedAt });
	});
}
