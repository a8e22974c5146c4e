export type RecorderErrorReason = 'invalid' | 'not_found' | 'closed' | 'io' | 'ffmpeg';

/** Errors the media recorder raises; `reason` says which kind of mistake or failure. */
export class RecorderError extends Error {
	readonly reason: RecorderErrorReason;
	constructor(reason: RecorderErrorReason, message: string) {
		super(message);
		this.name = 'RecorderError';
		this.reason = reason;
	}
}
