import type { ErrorCode } from '$protocol';

/** Why a request failed: a server error code, or `timeout` when no answer came in time. */
export type RequestErrorCode = ErrorCode | 'timeout';

export class RequestError extends Error {
	readonly code: RequestErrorCode;

	constructor(code: RequestErrorCode, message: string) {
		super(message);
		this.name = 'RequestError';
		this.code = code;
	}
}

export function errorCodeOf(err: unknown): RequestErrorCode | null {
	return err instanceof RequestError ? err.code : null;
}
