import { notFound } from '../../core/errors.ts';
import { pending } from '../lesson/commit.ts';
import type { Handler } from './context.ts';

export const setStage: Handler<'stage.set'> = async ({ session, peer }, { classroomId }) => {
	if (classroomId !== null && !session.classroom(classroomId)) throw notFound(`classroom ${classroomId} is not in this lesson`);
	await session.commit(peer, {
		apply: () => session.store.setStage(session.lessonId, classroomId),
		events: (previous) => (previous !== classroomId ? [pending('stage.changed', { classroomId, previous })] : [])
	});
	return null;
};
