import type { Logger } from 'pino';
import type { ErrorCode, WireError } from '../protocol/index.ts';
import { AppError } from './errors.ts';

/** The HTTP status of each error code. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
	invalid: 400,
	unauthorized: 401,
	forbidden: 403,
	not_found: 404,
	not_allowed: 405,
	conflict: 409,
	gone: 410,
	too_large: 413,
	unsupported: 415,
	unprocessable: 422,
	rate_limited: 429,
	internal: 500,
	unavailable: 503
};

const INTERNAL = new AppError('internal', 'something went wrong on the server');

/**
 * Anything a request threw, as the AppError its sender is told about: an AppError as it is; a server
 * fault (anything else, or an AppError coded `internal`) is logged and told as `internal` alone.
 */
export function answerableError(error: unknown, log: Logger, context: Record<string, unknown>): AppError {
	if (error instanceof AppError && error.code !== 'internal') return error;
	log.error({ ...context, err: (error as Error)?.message, stack: (error as Error)?.stack }, 'request failed');
	return INTERNAL;
}

/** A socket ack's error: `{ code, message }`. */
export function wireError(error: unknown, log: Logger, context: Record<string, unknown>): WireError {
	return answerableError(error, log, context).toWire();
}

export interface HttpErrorAnswer {
	status: number;
	body: { error: { code: string; message: string } };
}

/** An HTTP answer: the status of the error's code, its reason (or else its code) and message as the body. */
export function httpAnswer(error: unknown, log: Logger, context: Record<string, unknown>): HttpErrorAnswer {
	const answer = answerableError(error, log, context);
	return { status: HTTP_STATUS[answer.code], body: { error: { code: answer.reason ?? answer.code, message: answer.message } } };
}
