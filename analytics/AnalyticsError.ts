/** A refusal with a reason the HTTP layer maps to a status (invalid 400, not_found 404, forbidden 403, unauthorized 401). */
export class AnalyticsError extends Error {
	readonly reason: 'invalid' | 'not_found' | 'forbidden' | 'unauthorized' | 'unavailable';
	constructor(reason: AnalyticsError['reason'], message: string) {
		super(message);
		this.name = 'AnalyticsError';
		this.reason = reason;
	}
}
