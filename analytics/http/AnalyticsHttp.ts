import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AnalyticsService } from '../AnalyticsService.ts';
import { moduleLogger } from '../../core/logger.ts';
import {
	ANALYTICS_API,
	AnalyticsFilterSchema,
	CreateApiTokenSchema,
	ExportQuerySchema,
	IdSchema,
	PurgeSchema,
	TrendsQuerySchema,
	WarningsQuerySchema
} from '../../protocol/index.ts';
import { queryObject, sendAnalyticsError } from './analyticsErrors.ts';
import { AppError } from '../../core/errors.ts';
import { decodePathPart, parse, readJson, sendJson } from '../../core/http/httpUtil.ts';
import type { StaffGate } from './StaffGate.ts';

const log = moduleLogger('analytics-http');

export interface AnalyticsHttpDeps {
	/** Staff only: the session cookie or an admin token. */
	staff: StaffGate;
	/** The store, or null on a node that does not hold it (scale-out: one node writes the file). */
	analytics: () => AnalyticsService | null;
}

/** /api/analytics/*: staff dashboards, exports, API tokens and purge. Staff only (session cookie or admin token). */
export class AnalyticsHttp {
	readonly #deps: AnalyticsHttpDeps;

	constructor(deps: AnalyticsHttpDeps) {
		this.#deps = deps;
	}

	async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
		const url = new URL(req.url ?? '/', 'http://localhost');
		if (url.pathname !== ANALYTICS_API && !url.pathname.startsWith(`${ANALYTICS_API}/`)) return false;
		try {
			await this.#deps.staff.require(req);
			const analytics = this.#deps.analytics();
			if (!analytics) throw new AppError('unavailable', 'analytics is served by the node that holds the store; try again shortly');
			await this.#route(req, res, url, analytics);
		} catch (error) {
			sendAnalyticsError(res, error, url.pathname);
		}
		return true;
	}

	async #route(req: IncomingMessage, res: ServerResponse, url: URL, analytics: AnalyticsService): Promise<void> {
		const method = req.method ?? 'GET';
		const route = url.pathname.slice(ANALYTICS_API.length) || '/';
		const query = queryObject(url);
		if (method === 'GET' && route === '/lessons') return sendJson(res, 200, await analytics.lessons(parse(AnalyticsFilterSchema, query)));
		const lesson = /^\/lessons\/([^/]+)$/.exec(route);
		if (method === 'GET' && lesson) {
			const lessonId = parse(IdSchema, decodePathPart(lesson[1]));
			const filter = parse(AnalyticsFilterSchema, query);
			return sendJson(res, 200, await analytics.dashboard(lessonId, filter.classroomId));
		}
		if (method === 'GET' && route === '/trends') return sendJson(res, 200, await analytics.trends(parse(TrendsQuerySchema, query)));
		if (method === 'GET' && route === '/compare') return sendJson(res, 200, await analytics.compare(parse(AnalyticsFilterSchema, query)));
		if (method === 'GET' && route === '/warnings') return sendJson(res, 200, await analytics.warnings(parse(WarningsQuerySchema, query)));
		if (method === 'GET' && route === '/audit') return sendJson(res, 200, { records: await analytics.audit.list() });
		if (method === 'GET' && route === '/export') return this.#export(res, analytics, parse(ExportQuerySchema, query));
		if (method === 'GET' && route === '/tokens') return sendJson(res, 200, { tokens: await analytics.tokens.list() });
		if (method === 'POST' && route === '/tokens') {
			const input = parse(CreateApiTokenSchema, await readJson(req));
			return sendJson(res, 201, await analytics.tokens.create(input.name));
		}
		const token = /^\/tokens\/([^/]+)$/.exec(route);
		if (method === 'DELETE' && token) return sendJson(res, 200, await analytics.tokens.revoke(parse(IdSchema, decodePathPart(token[1]))));
		if (method === 'POST' && route === '/purge') {
			const input = parse(PurgeSchema, await readJson(req));
			return sendJson(res, 200, await analytics.purge(input.olderThanDays));
		}
		throw new AppError('not_found', `no route ${method} ${url.pathname}`);
	}

	async #export(res: ServerResponse, analytics: AnalyticsService, query: Parameters<AnalyticsService['exporter']['export']>[0]): Promise<void> {
		const file = await analytics.exporter.export(query);
		res.writeHead(200, {
			'content-type': file.contentType,
			'content-disposition': `attachment; filename="${file.fileName}"`,
			'cache-control': 'no-store'
		});
		await new Promise<void>((resolve) => {
			const stream = createReadStream(file.path);
			stream.on('error', (error) => {
				log.error({ err: error.message }, 'export stream failed');
				res.destroy();
				resolve();
			});
			res.on('close', () => resolve());
			stream.pipe(res);
		});
		await file.dispose();
	}
}
