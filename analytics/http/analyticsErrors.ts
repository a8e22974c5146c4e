import type { ServerResponse } from 'node:http';
import { AnalyticsError } from '../AnalyticsError.ts';
import { moduleLogger } from '../../core/logger.ts';
import { sendError } from '../../core/http/httpUtil.ts';

const log = moduleLogger('analytics-http');

const STATUS: Record<AnalyticsError['reason'], number> = { invalid: 400, unauthorized: 401, forbidden: 403, not_found: 404, unavailable: 503 };

/** The analytics and data API routes' error answer (AnalyticsError by its reason). */
export function sendAnalyticsError(res: ServerResponse, error: unknown, path: string): void {
	sendError(res, error, {
		log,
		path,
		classify: (e) => (e instanceof AnalyticsError ? { status: STATUS[e.reason], code: e.reason, message: e.message } : null)
	});
}

/** Query parameters as a plain object (the last value of a repeated one wins). */
export function queryObject(url: URL): Record<string, string> {
	return Object.fromEntries(url.searchParams.entries());
}
