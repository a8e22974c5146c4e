import type { ChatMessage, LessonSnapshot, Participant } from '../protocol/index.ts';

/**
 * What a student's phone gets of the lesson snapshot: no other students (the roster of every school
 * is not theirs to see, and with hundreds of phones it would be most of every broadcast), only their
 * own room's hands, and no other room's join code.
 */
export function studentSnapshot(snapshot: LessonSnapshot, classroomId: string | null): LessonSnapshot {
	return {
		...snapshot,
		participants: snapshot.participants.filter((p) => p.role !== 'student'),
		hands: snapshot.hands.filter((h) => h.classroomId === classroomId),
		classrooms: snapshot.classrooms.map((c) => (c.id === classroomId ? c : { ...c, joinCode: '' }))
	};
}

/** Questions reach the teacher, the asking student and that student's own assistant; chat reaches everyone. */
export function chatVisibleTo(message: ChatMessage, viewer: Pick<Participant, 'id' | 'role' | 'classroomId'>): boolean {
	if (!message.question) return true;
	if (viewer.role === 'teacher' || viewer.id === message.participantId) return true;
	return viewer.role === 'assistant' && viewer.classroomId === message.classroomId;
}
