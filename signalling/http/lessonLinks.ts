import type { LessonLinks, LessonRecord } from '../../protocol/index.ts';
import type { TokenService } from '../auth/TokenService.ts';

/** Signed links of a lesson: one per role and classroom, each an identity of its own. */
export async function lessonLinks(tokens: TokenService, lesson: LessonRecord, origin: string): Promise<LessonLinks> {
	const expiresAt = lesson.linksExpireAt;
	const link = async (role: 'teacher' | 'observer' | 'classroom' | 'assistant', classroomId: string | null, participantId: string) =>
		`${origin}/live?t=${await tokens.signLesson({ lessonId: lesson.id, role, classroomId, participantId, expiresAt })}`;
	return {
		teacher: await link('teacher', null, `teacher-${lesson.id}`),
		observer: await link('observer', null, `observer-${lesson.id}`),
		classrooms: await Promise.all(
			lesson.classroomIds.map(async (classroomId) => ({
				classroomId,
				room: await link('classroom', classroomId, `room-${classroomId}`),
				assistant: await link('assistant', classroomId, `assistant-${classroomId}`),
				joinCode: lesson.joinCodes[classroomId] ?? ''
			}))
		),
		expiresAt
	};
}
