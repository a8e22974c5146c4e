import type { MediaSource } from '$protocol';
import type { RemoteMedia } from '../media/engine.ts';
import type { LessonState } from './lesson-state.svelte.ts';

/** The teacher's camera or screen among the received tracks. */
export function teacherTrack(remote: RemoteMedia[], lesson: LessonState, source: MediaSource): RemoteMedia | undefined {
	const candidates = remote.filter((m) => m.source === source);
	return (
		candidates.find((m) => lesson.participant(m.participantId)?.role === 'teacher') ??
		candidates.find((m) => m.classroomId === null)
	);
}

/** A classroom's camera: the room device's if there is one, else any camera from that room. */
export function classroomVideo(remote: RemoteMedia[], lesson: LessonState, classroomId: string): RemoteMedia | undefined {
	const candidates = remote.filter((m) => m.kind === 'video' && m.source === 'camera' && m.classroomId === classroomId);
	return candidates.find((m) => lesson.participant(m.participantId)?.role === 'classroom') ?? candidates[0];
}
