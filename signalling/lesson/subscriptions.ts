import type { PublishedTrack, Role } from '../../protocol/index.ts';

export interface Viewer {
	participantId: string;
	role: Role;
	classroomId: string | null;
}

export interface LiveSwitches {
	stageClassroomId: string | null;
	audioOnlyClassroomIds: readonly string[];
	/** Rooms whose link cannot carry video just now (the link guard's fallback). */
	weakLinkClassroomIds?: readonly string[];
}

/** Simulcast layer indices: the teacher camera has 3 (0..2), classroom cameras 2 (0..1). */
const TEACHER_TOP = 2;
const CLASSROOM_HIGH = 1;
const LOW = 0;

/**
 * Who receives what (ARCHITECTURE.md, media policy). Classrooms get the teacher's audio, camera and
 * screen plus the classroom on stage; the teacher gets every classroom low and the stage one high;
 * observers watch the whole lesson (what a classroom gets, plus every room's camera, low);
 * assistants and students get no media.
 * Returns producerId → target spatial layer (undefined for audio and single-layer video).
 */
export function wantedTracks(viewer: Viewer, tracks: readonly PublishedTrack[], live: LiveSwitches): Map<string, number | undefined> {
	const wanted = new Map<string, number | undefined>();
	const audioOnly =
		viewer.classroomId !== null && (live.audioOnlyClassroomIds.includes(viewer.classroomId) || (live.weakLinkClassroomIds ?? []).includes(viewer.classroomId));
	for (const track of tracks) {
		if (track.participantId === viewer.participantId) continue;
		if (audioOnly && track.kind === 'video') continue;
		const fromTeacher = track.role === 'teacher';
		const fromClassroom = track.role === 'classroom' || track.role === 'assistant';
		const onStage = fromClassroom && track.classroomId !== null && track.classroomId === live.stageClassroomId;
		switch (viewer.role) {
			case 'teacher':
				if (fromClassroom) wanted.set(track.producerId, layerFor(track, onStage ? CLASSROOM_HIGH : LOW));
				break;
			case 'classroom':
				if (fromTeacher) wanted.set(track.producerId, layerFor(track, TEACHER_TOP));
				else if (onStage && track.classroomId !== viewer.classroomId) wanted.set(track.producerId, layerFor(track, CLASSROOM_HIGH));
				break;
			case 'observer':
				// The whole lesson: the teacher, every room's camera (low; the stage high), and the sound a
				// room hears (the teacher and the stage), not every room's microphone at once.
				if (fromTeacher) wanted.set(track.producerId, layerFor(track, TEACHER_TOP));
				else if (fromClassroom && (onStage || track.kind === 'video')) wanted.set(track.producerId, layerFor(track, onStage ? CLASSROOM_HIGH : LOW));
				break;
			default:
				break;
		}
	}
	return wanted;
}

function layerFor(track: PublishedTrack, layer: number): number | undefined {
	return track.kind === 'video' && track.source === 'camera' ? layer : undefined;
}
