import type { ErrorCode, WireError } from './protocol/index.ts';

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
