import { AppError, forbidden } from '../../core/errors.ts';
import { pending } from '../lesson/commit.ts';
import type { Handler } from './context.ts';

export const raiseHand: Handler<'hand.raise'> = async ({ session, peer }) => {
	const { participant } = peer;
	await session.commit(peer, {
		apply: () =>
			session.store.raiseHand(session.lessonId, {
				participantId: participant.id,
				classroomId: participant.classroomId,
				role: participant.role,
				displayName: participant.displayName,
				raisedAt: Date.now()
			}),
		events: (added) => (added ? [pending('hand.raised', { participantId: participant.id })] : [])
	});
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
	await session.commit(peer, {
		apply: () => session.store.lowerHand(session.lessonId, target),
		events: (lowered) => (lowered ? [pending('hand.lowered', { participantId: target, by })] : [])
	});
	return null;
};
