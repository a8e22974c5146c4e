import type { ServerResponse } from 'node:http';
import { AnalyticsError } from '../../recorder/analytics/AnalyticsError.ts';
import { TokenError } from '../auth/TokenService.ts';
import { moduleLogger } from '../logger.ts';
import { HttpError, sendJson } from './httpUtil.ts';

const log = moduleLogger('analytics-http');

const STATUS: Record<AnalyticsError['reason'], number> = { invalid: 400, unauthorized: 401, forbidden: 403, not_found: 404, unavailable: 503 };

/** The one error answer of the analytics and data API routes: `{ error: { code, message } }`. */
export function sendAnalyticsError(res: ServerResponse, error: unknown, path: string): void {
	if (res.headersSent) {
		res.destroy();
		return;
	}
	if (error instanceof HttpError) sendJson(res, error.status, { error: { code: error.code, message: error.message } });
	else if (error instanceof AnalyticsError) sendJson(res, STATUS[error.reason], { error: { code: error.reason, message: error.message } });
	else if (error instanceof TokenError) sendJson(res, 401, { error: { code: 'unauthorized', message: error.message } });
	else {
		log.error({ err: (error as Error).message, path }, 'analytics api error');
		sendJson(res, 500, { error: { code: 'internal', message: 'something went wrong on the server' } });
	}
}

export function bearer(header: string | undefined): string | undefined {
	return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}

/** Query parameters as a plain object (the last value of a repeated one wins). */
export function queryObject(url: URL): Record<string, string> {
	return Object.fromEntries(url.searchParams.entries());
}
