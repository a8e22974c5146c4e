import { notFound } from '../../core/errors.ts';
import type { Handler } from './context.ts';

export const setStage: Handler<'stage.set'> = async ({ session, peer }, { classroomId }) => {
	if (classroomId !== null && !session.classroom(classroomId)) throw notFound(`classroom ${classroomId} is not in this lesson`);
	const previous = await session.store.setStage(session.lessonId, classroomId);
	if (previous !== classroomId) {
		session.bus.publish(session.lessonId, 'stage.changed', session.actorOf(peer), { classroomId, previous });
		session.changed();
	}
	return null;
};
