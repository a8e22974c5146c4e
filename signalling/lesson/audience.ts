import type { ChatMessage, LessonSnapshot, Participant, Role } from '../../protocol/index.ts';

/** Who sees which cut of the lesson snapshot. */
export type SnapshotAudience = 'lesson' | 'classroom' | 'student';

/** Teacher and observers see the whole lesson; a room's screen and assistant their room; a phone less. */
export function audienceOf(role: Role): SnapshotAudience {
	if (role === 'student') return 'student';
	if (role === 'classroom' || role === 'assistant') return 'classroom';
	return 'lesson';
}

/** The snapshot as one audience of one classroom may see it. */
export function snapshotFor(snapshot: LessonSnapshot, audience: SnapshotAudience, classroomId: string | null): LessonSnapshot {
	if (audience === 'lesson') return snapshot;
	return audience === 'classroom' ? classroomSnapshot(snapshot, classroomId) : studentSnapshot(snapshot, classroomId);
}

/**
 * What a classroom screen and its assistant get: only their own room's join code and their own
 * students (names and hands); other rooms' devices and assistants stay, so the lesson's rooms are
 * known, but no school sees another school's children.
 */
export function classroomSnapshot(snapshot: LessonSnapshot, classroomId: string | null): LessonSnapshot {
	const ours = (p: { role: Role; classroomId: string | null }) => p.role !== 'student' || (classroomId !== null && p.classroomId === classroomId);
	return {
		...snapshot,
		participants: snapshot.participants.filter(ours),
		hands: snapshot.hands.filter(ours),
		classrooms: ownJoinCodeOnly(snapshot, classroomId)
	};
}

/**
 * What a student's phone gets: no other students (the roster of every school is not theirs to see,
 * and with hundreds of phones it would be most of every broadcast), only their own room's hands,
 * and no other room's join code.
 */
export function studentSnapshot(snapshot: LessonSnapshot, classroomId: string | null): LessonSnapshot {
	return {
		...snapshot,
		participants: snapshot.participants.filter((p) => p.role !== 'student'),
		hands: snapshot.hands.filter((h) => h.classroomId === classroomId),
		classrooms: ownJoinCodeOnly(snapshot, classroomId),
		// Phones play nothing of a replayed lesson and see a question only when it opens.
		...(snapshot.replay ? { replay: { ...snapshot.replay, media: null, polls: [] } } : {})
	};
}

function ownJoinCodeOnly(snapshot: LessonSnapshot, classroomId: string | null): LessonSnapshot['classrooms'] {
	return snapshot.classrooms.map((c) => (c.id === classroomId ? c : { ...c, joinCode: '' }));
}

/** Questions reach the teacher, the asking student and that student's own assistant; chat reaches everyone. */
export function chatVisibleTo(message: ChatMessage, viewer: Pick<Participant, 'id' | 'role' | 'classroomId'>): boolean {
	if (!message.question) return true;
	if (viewer.role === 'teacher' || viewer.id === message.participantId) return true;
	return viewer.role === 'assistant' && viewer.classroomId === message.classroomId;
}
