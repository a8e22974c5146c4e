import type { LessonLinks, LessonRecord } from '../../protocol/index.ts';
import type { TokenService } from '../auth/TokenService.ts';

type LinkRole = 'teacher' | 'observer' | 'classroom' | 'assistant';

async function link(tokens: TokenService, lesson: LessonRecord, origin: string, role: LinkRole, classroomId: string | null, participantId: string): Promise<string> {
	const token = await tokens.signLesson({ lessonId: lesson.id, role, classroomId, participantId, expiresAt: lesson.linksExpireAt });
	return `${origin}/live?t=${token}`;
}

/** One classroom's links of a lesson: its room screen, its assistant and its join code. */
export async function classroomLinks(tokens: TokenService, lesson: LessonRecord, classroomId: string, origin: string): Promise<LessonLinks['classrooms'][number]> {
	return {
		classroomId,
		room: await link(tokens, lesson, origin, 'classroom', classroomId, `room-${classroomId}`),
		assistant: await link(tokens, lesson, origin, 'assistant', classroomId, `assistant-${classroomId}`),
		joinCode: lesson.joinCodes[classroomId] ?? ''
	};
}

/** Signed links of a lesson: one per role and classroom, each an identity of its own. */
export async function lessonLinks(tokens: TokenService, lesson: LessonRecord, origin: string): Promise<LessonLinks> {
	return {
		teacher: await link(tokens, lesson, origin, 'teacher', null, `teacher-${lesson.id}`),
		observer: await link(tokens, lesson, origin, 'observer', null, `observer-${lesson.id}`),
		classrooms: await Promise.all(lesson.classroomIds.map((classroomId) => classroomLinks(tokens, lesson, classroomId, origin))),
		expiresAt: lesson.linksExpireAt
	};
}
