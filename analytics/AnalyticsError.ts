import { AppError } from '../core/errors.ts';

export type AnalyticsErrorReason = 'invalid' | 'not_found' | 'forbidden' | 'unauthorized' | 'unavailable';

/** A refusal of the analytics store or its queries; `reason` is also its wire code. */
export class AnalyticsError extends AppError {
	declare readonly reason: AnalyticsErrorReason;
	constructor(reason: AnalyticsErrorReason, message: string) {
		super(reason, message, reason);
		this.name = 'AnalyticsError';
	}
}
