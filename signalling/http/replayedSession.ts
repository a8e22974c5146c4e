import { AppError } from '../../core/errors.ts';
import { moduleLogger } from '../../core/logger.ts';
import type { LessonRecord } from '../../protocol/index.ts';
import type { CatalogStore } from '../catalog/CatalogStore.ts';
import type { ClassReplaySource } from '../handlers/classReplay/ClassReplay.ts';

const log = moduleLogger('replayed-session');

export interface ReplayedSessionRequest {
	sourceLessonId: string;
	classroomId: string;
	linkTtlHours: number;
	/** Who asked, for the log. */
	by: 'staff' | 'assistant';
}

/**
 * A replayed session of a ready recorded lesson for one classroom: a lesson of its own (`replayOf`),
 * started by staff (library) or by the room's assistant (room page).
 */
export async function createReplayedSession(
	catalog: CatalogStore,
	replays: Pick<ClassReplaySource, 'plan'> | undefined,
	request: ReplayedSessionRequest
): Promise<LessonRecord> {
	if (!replays) throw new AppError('unavailable', 'this server keeps no recorded lessons');
	if (!catalog.classroom(request.classroomId)) throw new AppError('not_found', `no classroom ${request.classroomId}`);
	const plan = await replays.plan(request.sourceLessonId);
	const lesson = await catalog.addLesson({
		title: plan.title,
		teacherName: plan.teacherName,
		classroomIds: [request.classroomId],
		linksExpireAt: Date.now() + request.linkTtlHours * 3_600_000,
		replayOf: plan.sourceLessonId
	});
	log.info({ lessonId: lesson.id, replayOf: plan.sourceLessonId, classroomId: request.classroomId, by: request.by }, 'replayed session created');
	return lesson;
}
