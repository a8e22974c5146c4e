import type { Role } from './common.ts';
import type { RequestName } from './requests.ts';

/**
 * Which roles may send which request. The server enforces this on every message; the UI reads
 * the same table only to hide what a role cannot do. Finer rules ("only your own room") are
 * checked in the handlers and answered with `forbidden` too.
 */
export const PERMISSIONS: Record<RequestName, readonly Role[]> = {
	'lesson.join': ['teacher', 'assistant', 'classroom', 'student', 'observer'],
	'media.createTransport': ['teacher', 'assistant', 'classroom', 'observer'],
	'media.connectTransport': ['teacher', 'assistant', 'classroom', 'observer'],
	'media.restartIce': ['teacher', 'assistant', 'classroom', 'observer'],
	'media.ready': ['teacher', 'assistant', 'classroom', 'observer'],
	'media.produce': ['teacher', 'assistant', 'classroom'],
	'media.closeProducer': ['teacher', 'assistant', 'classroom'],
	'media.pauseProducer': ['teacher', 'assistant', 'classroom'],
	'media.resumeConsumer': ['teacher', 'assistant', 'classroom', 'observer'],
	'media.setPreferredLayers': ['teacher', 'assistant', 'classroom', 'observer'],
	'media.setAudioOnly': ['teacher', 'assistant', 'classroom'],
	'stage.set': ['teacher'],
	'hand.raise': ['assistant', 'classroom', 'student'],
	'hand.lower': ['teacher', 'assistant', 'classroom', 'student'],
	'chat.send': ['teacher', 'assistant', 'classroom', 'student'],
	'chat.setMuted': ['teacher'],
	'surface.show': ['teacher'],
	'board.addBlank': ['teacher'],
	'board.setDrawer': ['teacher'],
	'board.clear': ['teacher'],
	'lesson.setStudentChat': ['teacher'],
	'poll.prepare': ['teacher'],
	'poll.discard': ['teacher'],
	// Assistants only in a replayed session of their room (checked in the handlers).
	'poll.open': ['teacher', 'assistant'],
	'poll.close': ['teacher', 'assistant'],
	'poll.reveal': ['teacher', 'assistant'],
	'poll.dismiss': ['teacher', 'assistant'],
	// Classroom screens show polls but never answer; observers watch results.
	'poll.answer': ['student'],
	// Assistants only for their own room (checked in the handler).
	'poll.tally': ['teacher', 'assistant'],
	'poll.state': ['teacher', 'assistant', 'classroom', 'student', 'observer'],
	'classList.get': ['teacher', 'assistant'],
	'classList.add': ['teacher', 'assistant'],
	'classList.rename': ['teacher', 'assistant'],
	'classList.accept': ['teacher', 'assistant'],
	'classList.merge': ['teacher', 'assistant'],
	// Assistants only for their own room (checked in the handlers).
	'classList.remove': ['teacher', 'assistant'],
	'classList.approveClaim': ['teacher', 'assistant'],
	'classList.denyClaim': ['teacher', 'assistant'],
	'recording.start': ['teacher'],
	'recording.stop': ['teacher'],
	// Only in a replayed session (checked in the handler).
	'replay.control': ['assistant'],
	'lesson.end': ['teacher']
};

/** Media sources each role may publish. */
export const PUBLISHABLE_SOURCES: Record<Role, readonly ('mic' | 'camera' | 'screen')[]> = {
	teacher: ['mic', 'camera', 'screen'],
	classroom: ['mic', 'camera'],
	assistant: ['mic', 'camera'],
	student: [],
	staff: [],
	observer: []
};

export function may(role: Role, request: RequestName): boolean {
	return PERMISSIONS[request].includes(role);
}
