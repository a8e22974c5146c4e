import type { ServerResponse } from 'node:http';
import { moduleLogger } from '../../core/logger.ts';
import { sendError } from '../../core/http/httpUtil.ts';

const log = moduleLogger('analytics-http');

/** The analytics and data API routes' error answer. */
export function sendAnalyticsError(res: ServerResponse, error: unknown, path: string): void {
	sendError(res, error, { log, path });
}

/** Query parameters as a plain object (the last value of a repeated one wins). */
export function queryObject(url: URL): Record<string, string> {
	return Object.fromEntries(url.searchParams.entries());
}
