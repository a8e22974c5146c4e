import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AnalyticsService } from '../AnalyticsService.ts';
import type { Page } from '../DataQueries.ts';
import type { ApiTokenVerifier } from './ApiTokenVerifier.ts';
import {
	DATA_API,
	DataEventsQuerySchema,
	DataLessonsQuerySchema,
	DataPageQuerySchema,
	DataSummariesQuerySchema,
	type DataPage
} from '../../protocol/index.ts';
import { queryObject, sendAnalyticsError } from './analyticsErrors.ts';
import { AppError } from '../../core/errors.ts';
import { bearerToken, parse, sendJson } from '../../core/http/httpUtil.ts';

export interface DataApiHttpDeps {
	tokens: ApiTokenVerifier;
	analytics: () => AnalyticsService | null;
}

/**
 * /api/data/v1/*: the district data hub's read-only API. A staff-issued API token (Bearer) that is
 * signed by us and not revoked; always pseudonymous; keyset pages with a `next` link.
 */
export class DataApiHttp {
	readonly #deps: DataApiHttpDeps;

	constructor(deps: DataApiHttpDeps) {
		this.#deps = deps;
	}

	async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
		const url = new URL(req.url ?? '/', 'http://localhost');
		if (url.pathname !== DATA_API && !url.pathname.startsWith(`${DATA_API}/`)) return false;
		try {
			const analytics = this.#deps.analytics();
			if (!analytics) throw new AppError('unavailable', 'the data API is served by the node that holds the store; try again shortly');
			const grant = await this.#deps.tokens.verifyApi(bearerToken(req));
			if (!(await analytics.tokens.accept(grant.tokenId))) throw new AppError('unauthorized', 'this API token has been revoked');
			if (req.method !== 'GET') throw new AppError('not_allowed', 'the data API is read-only');
			sendJson(res, 200, await this.#route(url, analytics));
		} catch (error) {
			sendAnalyticsError(res, error, url.pathname);
		}
		return true;
	}

	async #route(url: URL, analytics: AnalyticsService): Promise<DataPage<unknown>> {
		const route = url.pathname.slice(DATA_API.length);
		const query = queryObject(url);
		await analytics.fresh();
		const withNext = <T>(page: Page<T>): DataPage<T> => {
			if (!page.nextCursor) return { ...page, next: null };
			const next = new URL(url.toString());
			next.searchParams.set('cursor', page.nextCursor);
			return { ...page, next: `${next.pathname}${next.search}` };
		};
		if (route === '/lessons') return withNext(await analytics.data.lessons(parse(DataLessonsQuerySchema, query)));
		if (route === '/classrooms') return withNext(await analytics.data.classrooms(parse(DataPageQuerySchema, query)));
		if (route === '/events') return withNext(await analytics.data.events(parse(DataEventsQuerySchema, query)));
		if (route === '/summaries') return withNext(await analytics.data.summaries(parse(DataSummariesQuerySchema, query)));
		throw new AppError('not_found', `no route GET ${url.pathname}`);
	}
}
