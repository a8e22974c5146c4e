import { AppError } from '../../core/errors.ts';
import type { LessonRecorder } from '../lesson/LessonSession.ts';
import type { Handler, HandlerContext } from './context.ts';

function recorderOf({ session }: HandlerContext): LessonRecorder {
	const recorder = session.recorder;
	if (!recorder) throw new AppError('unavailable', 'this server does not record lessons');
	return recorder;
}

export const startRecording: Handler<'recording.start'> = async (ctx) => {
	await recorderOf(ctx).start(ctx.session, ctx.session.actorOf(ctx.peer));
	ctx.session.changed();
	return null;
};

export const stopRecording: Handler<'recording.stop'> = async (ctx) => {
	const recorder = recorderOf(ctx);
	const { session } = ctx;
	if (recorder.status(session.lessonId, session.record.autoRecord).state !== 'recording') {
		throw new AppError('conflict', 'the lesson is not being recorded');
	}
	await recorder.stop(session.lessonId, 'teacher', session.actorOf(ctx.peer));
	session.changed();
	return null;
};

export const endLesson: Handler<'lesson.end'> = async ({ session, peer }) => {
	await session.end(peer);
	return null;
};
