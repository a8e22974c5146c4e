import { createHmac, randomBytes } from 'node:crypto';
import { SignallingError } from '../../errors.ts';
import { ANONYMOUS_ACTOR } from '../../protocol/index.ts';
import type { EventActor } from '../../events/EventBus.ts';
import type { LessonSession } from '../../lesson/LessonSession.ts';
import type { Peer } from '../../lesson/Peer.ts';
import type { StoredPoll } from '../../store/LessonStore.ts';

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
	if (!poll.anonKey) throw new SignallingError('conflict', 'this poll is closed; your answer was not counted');
	return createHmac('sha256', Buffer.from(poll.anonKey, 'hex')).update(participantId).digest('hex').slice(0, 32);
}

/** The event actor of an answer: for anonymous polls only the role and the room. */
export function answerActor(session: LessonSession, poll: StoredPoll, peer: Peer): EventActor {
	if (!poll.spec.anonymous) return session.actorOf(peer);
	return { actor: ANONYMOUS_ACTOR, role: 'student', classroomId: peer.participant.classroomId };
}
