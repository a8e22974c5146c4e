import { notFound } from '../../core/errors.ts';
import { moduleLogger } from '../../core/logger.ts';
import type { ClassList } from '../../protocol/index.ts';
import { listOf, classroomOf } from './classList.ts';
import type { HandlerContext, Handler } from './context.ts';

const log = moduleLogger('class-list-claims');

/**
 * A phone asked to join as a listed name another device holds. The room's assistants (their own
 * room only) and the teacher answer; the phone is waiting on its claim over HTTP. The catalog tells
 * every panel showing the list (app.ts wires claims to `classList.updated`).
 */
async function answer({ session, peer }: HandlerContext, claimId: string, decision: 'approved' | 'denied'): Promise<ClassList> {
	const claim = session.catalog.claims.get(claimId);
	if (!claim || claim.lessonId !== session.lessonId) throw notFound(`no request to join ${claimId} in this lesson; it may have expired`);
	const classroomId = classroomOf(session, peer, claim.classroomId);
	session.catalog.claims.decide(claim.id, decision);
	log.info({ lessonId: session.lessonId, classroomId, claimId, decision, by: peer.participant.role }, 'claim answered');
	return listOf(session, classroomId);
}

export const approveClaim: Handler<'classList.approveClaim'> = (ctx, { claimId }) => answer(ctx, claimId, 'approved');

export const denyClaim: Handler<'classList.denyClaim'> = (ctx, { claimId }) => answer(ctx, claimId, 'denied');
