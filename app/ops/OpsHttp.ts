import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerToken, sendJson } from '../../core/http/httpUtil.ts';
import { moduleLogger } from '../../core/logger.ts';
import type { Health } from './health.ts';
import { openApiDocument } from './openapi.ts';

const log = moduleLogger('ops-http');

export const OPENAPI_PATH = '/api/openapi.json';

export interface OpsHttpDeps {
	health: Health;
	metricsText(): Promise<string>;
	/** When set, /metrics answers only `Authorization: Bearer <token>`. */
	metricsToken: string | null;
}

function sameSecret(given: string | undefined, expected: string): boolean {
	if (given === undefined) return false;
	const a = Buffer.from(given);
	const b = Buffer.from(expected);
	return a.length === b.length && timingSafeEqual(a, b);
}

/** The operator's routes: /healthz for load balancers, /metrics for Prometheus, /api/openapi.json. */
export class OpsHttp {
	readonly #deps: OpsHttpDeps;

	constructor(deps: OpsHttpDeps) {
		this.#deps = deps;
	}

	/** Returns false when the path is not one of these. */
	async handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
		if (pathname !== '/healthz' && pathname !== '/metrics' && pathname !== OPENAPI_PATH) return false;
		if (req.method !== 'GET' && req.method !== 'HEAD') {
			res.setHeader('allow', 'GET, HEAD');
			sendJson(res, 405, { error: { code: 'not_allowed', message: `${pathname} answers GET only` } });
			return true;
		}
		if (pathname === '/healthz') {
			const report = await this.#deps.health.report();
			if (!report.ok) log.warn({ checks: report.checks }, 'health check failing');
			sendJson(res, report.ok ? 200 : 503, report);
			return true;
		}
		if (pathname === OPENAPI_PATH) {
			sendJson(res, 200, openApiDocument());
			return true;
		}
		const token = this.#deps.metricsToken;
		if (token !== null && !sameSecret(bearerToken(req), token)) {
			res.setHeader('www-authenticate', 'Bearer realm="metrics"');
			sendJson(res, 401, { error: { code: 'unauthorized', message: 'metrics need the METRICS_TOKEN bearer token' } });
			return true;
		}
		const text = await this.#deps.metricsText();
		res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' });
		res.end(text);
		return true;
	}
}
