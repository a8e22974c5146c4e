import type { ErrorCode, WireError } from '../protocol/index.ts';

/**
 * Every error the server means to answer with: a socket ack `{ ok: false, error: { code, message } }`,
 * an HTTP answer with the status of `code` (core/errorAnswers.ts). `reason` is a finer cause within
 * the code (`token_missing`, `too_many_pages`) that HTTP bodies show in place of the code.
 */
export class AppError extends Error {
	readonly code: ErrorCode;
	readonly reason: string | undefined;
	constructor(code: ErrorCode, message: string, reason?: string) {
		super(message);
		this.name = 'AppError';
		this.code = code;
		this.reason = reason;
	}
	toWire(): WireError {
		return { code: this.code, message: this.message };
	}
}

export const invalid = (message: string) => new AppError('invalid', message);
export const forbidden = (message: string) => new AppError('forbidden', message);
export const notFound = (message: string) => new AppError('not_found', message);

/**
 * Something the code relies on no longer holds (not a bad request): the process stops loudly and
 * its service manager starts a fresh one. Anything else that escapes a request is logged and the
 * node goes on (app/main.ts).
 */
export class InvariantError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'InvariantError';
	}
}
