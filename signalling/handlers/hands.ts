import { AppError, forbidden } from '../../core/errors.ts';
import type { Handler } from './context.ts';

export const raiseHand: Handler<'hand.raise'> = async ({ session, peer }) => {
	const { participant } = peer;
	const added = await session.store.raiseHand(session.lessonId, {
		participantId: participant.id,
		classroomId: participant.classroomId,
		role: participant.role,
		displayName: participant.displayName,
		raisedAt: Date.now()
	});
	if (added) {
		session.bus.publish(session.lessonId, 'hand.raised', session.actorOf(peer), { participantId: participant.id });
		session.changed();
	}
	return null;
};

export const lowerHand: Handler<'hand.lower'> = async ({ session, peer }, { participantId }) => {
	const target = participantId ?? peer.id;
	const role = peer.participant.role;
	let by: 'self' | 'teacher' | 'assistant' = 'self';
	if (target !== peer.id) {
		const hands = await session.store.hands(session.lessonId);
		const hand = hands.find((h) => h.participantId === target);
		if (!hand) throw new AppError('not_found', 'that hand is not raised');
		if (role === 'teacher') by = 'teacher';
		else if (role === 'assistant' && hand.classroomId === peer.participant.classroomId) by = 'assistant';
		else throw forbidden("you may lower only your own hand or, as an assistant, your room's");
	}
	const lowered = await session.store.lowerHand(session.lessonId, target);
	if (lowered) {
		session.bus.publish(session.lessonId, 'hand.lowered', session.actorOf(peer), { participantId: target, by });
		session.changed();
	}
	return null;
};
