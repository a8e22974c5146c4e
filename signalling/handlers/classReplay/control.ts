import { AppError } from '../../../core/errors.ts';
import type { Handler } from '../context.ts';
import { classReplayOf } from './ClassReplay.ts';

/** Play (continue after a recorded poll), pause and seek: the assistant of a replayed session. */
export const controlReplay: Handler<'replay.control'> = async ({ session, peer }, control) => {
	if (!session.record.replayOf) throw new AppError('conflict', 'this lesson is not a replayed session');
	if (peer.participant.classroomId === null || !session.classroom(peer.participant.classroomId)) {
		throw new AppError('forbidden', 'only the assistant of this room controls its replay');
	}
	const replay = await classReplayOf(session);
	return replay.control(session.actorOf(peer), control);
};
