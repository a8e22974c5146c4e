import { SignallingError } from '../../core/errors.ts';
import type { LessonRecorder } from '../lesson/LessonSession.ts';
import { ErrorCodeSchema } from '../../protocol/index.ts';
import type { Handler, HandlerContext } from './context.ts';

function recorderOf({ session }: HandlerContext): LessonRecorder {
	const recorder = session.recorder;
	if (!recorder) throw new SignallingError('unavailable', 'this server does not record lessons');
	return recorder;
}

/** The recorder's refusals carry an ErrorCode (`conflict`, `unavailable`): the teacher reads them as they are. */
async function asRefusal<T>(work: Promise<T>): Promise<T> {
	try {
		return await work;
	} catch (error) {
		const code = ErrorCodeSchema.safeParse((error as { code?: unknown }).code);
		if (code.success && !(error instanceof SignallingError)) throw new SignallingError(code.data, (error as Error).message);
		throw error;
	}
}

export const startRecording: Handler<'recording.start'> = async (ctx) => {
	await asRefusal(recorderOf(ctx).start(ctx.session, ctx.session.actorOf(ctx.peer)));
	ctx.session.changed();
	return null;
};

export const stopRecording: Handler<'recording.stop'> = async (ctx) => {
	const recorder = recorderOf(ctx);
	const { session } = ctx;
	if (recorder.status(session.lessonId, session.record.autoRecord).state !== 'recording') {
		throw new SignallingError('conflict', 'the lesson is not being recorded');
	}
	await asRefusal(recorder.stop(session.lessonId, 'teacher', session.actorOf(ctx.peer)));
	session.changed();
	return null;
};

export const endLesson: Handler<'lesson.end'> = async ({ session, peer }) => {
	await session.end(peer);
	return null;
};
