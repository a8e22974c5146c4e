import { AppError } from '../core/errors.ts';

export type SfuErrorReason = 'not_found' | 'invalid' | 'unavailable';

/** Errors the SFU layer raises; `reason` is also their wire code. */
export class SfuError extends AppError {
	declare readonly reason: SfuErrorReason;
	constructor(reason: SfuErrorReason, message: string) {
		super(reason, message, reason);
		this.name = 'SfuError';
	}
}
