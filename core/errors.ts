import type { ErrorCode, WireError } from '../protocol/index.ts';

/** An error that reaches the sender as `{ ok: false, error: { code, message } }`. */
export class SignallingError extends Error {
	readonly code: ErrorCode;
	constructor(code: ErrorCode, message: string) {
		super(message);
		this.name = 'SignallingError';
		this.code = code;
	}
	toWire(): WireError {
		return { code: this.code, message: this.message };
	}
}

export const invalid = (message: string) => new SignallingError('invalid', message);
export const forbidden = (message: string) => new SignallingError('forbidden', message);
export const notFound = (message: string) => new SignallingError('not_found', message);

/**
 * Something the code relies on no longer holds (not a bad request): the process stops loudly and
 * its service manager starts a fresh one. Anything else that escapes a request is logged and the
 * node goes on (server.ts).
 */
export class InvariantError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'InvariantError';
	}
}
