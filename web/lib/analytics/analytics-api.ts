import {
	ANALYTICS_API,
	CONFIRM_NAMED_EXPORT,
	type ApiTokenInfo,
	type ApiTokenList,
	type AnalyticsLessonList,
	type AuditList,
	type CreatedApiToken,
	type EarlyWarnings,
	type ExportFormat,
	type ExportTable,
	type LessonDashboard,
	type PurgeResult,
	type TrendScope,
	type Trends,
	type UrbanRuralComparison
} from '$protocol';
import { ApiError } from '../api/admin-api.ts';

/** The filters every analytics view shares: ISO dates (YYYY-MM-DD, both ends included) and rooms. */
export interface AnalyticsFilters {
	from: string;
	to: string;
	classroomIds: string[];
}

export const NO_FILTERS: AnalyticsFilters = { from: '', to: '', classroomIds: [] };

export interface ExportRequest {
	format: ExportFormat;
	table: ExportTable;
	lessonId?: string;
	filters: AnalyticsFilters;
	/** Names in the file: the staff member confirmed it, and the server logs it. */
	withNames: boolean;
}

export interface DownloadedFile {
	blob: Blob;
	fileName: string;
}

type Query = Record<string, string | number | undefined>;

export function filterQuery(filters: AnalyticsFilters): Query {
	return {
		from: filters.from || undefined,
		to: filters.to || undefined,
		classroomId: filters.classroomIds.length ? filters.classroomIds.join(',') : undefined
	};
}

export function withQuery(path: string, query: Query): string {
	const params = new URLSearchParams();
	for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
	const text = params.toString();
	return text ? `${path}?${text}` : path;
}

/** The file name the server gave (content-disposition), else `fallback`. */
export function fileNameOf(res: Response, fallback: string): string {
	const header = res.headers.get('content-disposition') ?? '';
	const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
	if (star?.[1]) return decodeURIComponent(star[1]);
	const plain = /filename="?([^";]+)"?/i.exec(header);
	return plain?.[1] ?? fallback;
}

/** The staff analytics API (/api/analytics), authorised by the staff session cookie. */
export class AnalyticsApi {
	lessons(filters: AnalyticsFilters): Promise<AnalyticsLessonList> {
		return this.#json('GET', withQuery(`${ANALYTICS_API}/lessons`, filterQuery(filters)));
	}

	lesson(lessonId: string): Promise<LessonDashboard> {
		return this.#json('GET', `${ANALYTICS_API}/lessons/${encodeURIComponent(lessonId)}`);
	}

	trends(scope: TrendScope, filters: AnalyticsFilters): Promise<Trends> {
		return this.#json('GET', withQuery(`${ANALYTICS_API}/trends`, { scope, ...filterQuery(filters) }));
	}

	compare(filters: AnalyticsFilters): Promise<UrbanRuralComparison> {
		return this.#json('GET', withQuery(`${ANALYTICS_API}/compare`, filterQuery(filters)));
	}

	warnings(filters: AnalyticsFilters, lessons: number, drop: number): Promise<EarlyWarnings> {
		return this.#json('GET', withQuery(`${ANALYTICS_API}/warnings`, { lessons, drop, ...filterQuery(filters) }));
	}

	audit(): Promise<AuditList> {
		return this.#json('GET', `${ANALYTICS_API}/audit`);
	}

	tokens(): Promise<ApiTokenList> {
		return this.#json('GET', `${ANALYTICS_API}/tokens`);
	}

	createToken(name: string): Promise<CreatedApiToken> {
		return this.#json('POST', `${ANALYTICS_API}/tokens`, { name });
	}

	revokeToken(id: string): Promise<ApiTokenInfo> {
		return this.#json('DELETE', `${ANALYTICS_API}/tokens/${encodeURIComponent(id)}`);
	}

	purge(olderThanDays: number): Promise<PurgeResult> {
		return this.#json('POST', `${ANALYTICS_API}/purge`, { olderThanDays, confirm: true });
	}

	/** Fetches an export and hands it over as a file. */
	async export(request: ExportRequest): Promise<DownloadedFile> {
		const path = withQuery(`${ANALYTICS_API}/export`, {
			format: request.format,
			table: request.format === 'xapi' ? undefined : request.table,
			lessonId: request.lessonId,
			...filterQuery(request.filters),
			names: request.withNames ? 'true' : undefined,
			confirm: request.withNames ? CONFIRM_NAMED_EXPORT : undefined
		});
		const res = await this.#fetch('GET', path);
		if (!res.ok) throw await this.#error(res);
		const extension = request.format === 'xapi' ? 'json' : request.format;
		return { blob: await res.blob(), fileName: fileNameOf(res, `classbridge-${request.table}.${extension}`) };
	}

	async #json<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
		const res = await this.#fetch(method, path, body);
		if (!res.ok) throw await this.#error(res);
		return (await res.json()) as T;
	}

	async #fetch(method: string, path: string, body?: unknown): Promise<Response> {
		try {
			return await fetch(path, {
				method,
				headers: body === undefined ? {} : { 'content-type': 'application/json' },
				body: body === undefined ? undefined : JSON.stringify(body)
			});
		} catch (err) {
			throw new ApiError(0, 'network', err instanceof Error ? err.message : String(err));
		}
	}

	async #error(res: Response): Promise<ApiError> {
		const data: unknown = await res.json().catch(() => null);
		const error = (data as { error?: { code?: string; message?: string } } | null)?.error;
		return new ApiError(res.status, error?.code ?? 'internal', error?.message ?? `HTTP ${res.status}`);
	}
}
