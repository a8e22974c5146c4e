import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { AppError, notFound } from './errors.ts';
import { httpAnswer, wireError } from './errorAnswers.ts';

function recordingLogger() {
	const lines: Record<string, unknown>[] = [];
	const log = pino({ level: 'error' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
	return { log, lines };
}

describe('error answers', () => {
	it('answers an AppError with the status of its code, and its reason in an HTTP body', () => {
		const { log, lines } = recordingLogger();
		expect(httpAnswer(notFound('no such deck'), log, {})).toEqual({ status: 404, body: { error: { code: 'not_found', message: 'no such deck' } } });
		expect(httpAnswer(new AppError('unprocessable', 'too many pages', 'too_many_pages'), log, {})).toEqual({
			status: 422,
			body: { error: { code: 'too_many_pages', message: 'too many pages' } }
		});
		expect(lines).toEqual([]);
	});

	it('gives a socket ack the code, never the reason', () => {
		const { log } = recordingLogger();
		expect(wireError(new AppError('gone', 'this lesson has ended', 'lesson_ended'), log, {})).toEqual({ code: 'gone', message: 'this lesson has ended' });
	});

	it('answers anything else as a logged 500 internal, without its message', () => {
		const { log, lines } = recordingLogger();
		expect(httpAnswer(new Error('disk on fire'), log, { path: '/api/x' })).toEqual({
			status: 500,
			body: { error: { code: 'internal', message: 'something went wrong on the server' } }
		});
		expect(wireError('a thrown string', log, { request: 'hand.raise' })).toEqual({ code: 'internal', message: 'something went wrong on the server' });
		expect(lines.map((l) => [l.path ?? l.request, l.err])).toEqual([
			['/api/x', 'disk on fire'],
			['hand.raise', undefined]
		]);
	});

	it('logs an AppError coded internal and keeps its message to the log', () => {
		const { log, lines } = recordingLogger();
		expect(httpAnswer(new AppError('internal', 'ffmpeg exited'), log, {})).toEqual({
			status: 500,
			body: { error: { code: 'internal', message: 'something went wrong on the server' } }
		});
		expect(lines.map((l) => l.err)).toEqual(['ffmpeg exited']);
	});
});
