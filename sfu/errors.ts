export type SfuErrorReason = 'not_found' | 'invalid' | 'unavailable';

/** Errors the SFU layer raises; signalling maps `reason` onto a wire error code. */
export class SfuError extends Error {
	readonly reason: SfuErrorReason;
	constructor(reason: SfuErrorReason, message: string) {
		super(message);
		this.name = 'SfuError';
		this.reason = reason;
	}
}
