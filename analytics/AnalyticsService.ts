import path from 'node:path';
import type {
	AnalyticsFilter,
	AnalyticsLessonList,
	EarlyWarnings,
	LessonDashboard,
	PurgeResult,
	Trends,
	TrendsQuery as TrendsParams,
	UrbanRuralComparison,
	WarningsQuery as WarningsParams
} from '../protocol/index.ts';
import { moduleLogger } from '../core/logger.ts';
import { AnalyticsStore } from './AnalyticsStore.ts';
import { ApiTokenRegistry, type SignApiToken } from './ApiTokenRegistry.ts';
import { AuditLog } from './AuditLog.ts';
import { ComparisonQuery } from './ComparisonQuery.ts';
import { DataQueries } from './DataQueries.ts';
import { DimensionSync, type CatalogSource } from './DimensionSync.ts';
import type { IncomingEvent } from './eventRow.ts';
import { EventWriter } from './EventWriter.ts';
import { Exporter } from './Exporter.ts';
import { LessonQueries } from './LessonQueries.ts';
import { Pseudonymizer } from './pseudonym.ts';
import { Retention } from './Retention.ts';
import { Summarizer } from './Summarizer.ts';
import { TrendsQuery } from './TrendsQuery.ts';
import { WarningsQuery } from './WarningsQuery.ts';

const log = moduleLogger('analytics');
/** How long after `lesson.ended` its summary is made (late events of its peers first). */
const ENDED_SETTLE_MS = 1_000;

export interface AnalyticsOptions {
	/** The DuckDB file, or ':memory:'. */
	file: string;
	/** Where exports are written before they are sent (removed after). */
	exportDir: string;
	flushMs: number;
	batchSize: number;
	/** A lesson with no new event for this long is summarised for the cross-lesson views. */
	settleMs: number;
	/** Purge lessons older than this once a day; null keeps everything. */
	retentionDays: number | null;
	/** The public URL: xAPI account home page and activity ids. */
	homePage: string;
	/** The installation's signing secret: the pseudonym salt is derived from it. */
	secret: Uint8Array;
	catalog: CatalogSource;
	signApiToken: SignApiToken;
	threads?: number;
	/** DuckDB's memory limit (e.g. "1GB"); DuckDB's default otherwise. */
	memoryLimit?: string;
	/** Summarise and purge on timers (the server); off for benches that drive it themselves. Default true. */
	background?: boolean;
}

/**
 * Analytics, composed: the store, its batched writer, the dimension copy of the catalog, the
 * summaries of settled lessons, the dashboard queries, exports, API tokens and retention.
 */
export class AnalyticsService {
	readonly store: AnalyticsStore;
	readonly writer: EventWriter;
	readonly tokens: ApiTokenRegistry;
	readonly exporter: Exporter;
	readonly data: DataQueries;
	readonly audit: AuditLog;
	readonly pseudonymizer: Pseudonymizer;
	readonly retentionDays: number | null;
	readonly #dims: DimensionSync;
	readonly #summarizer: Summarizer;
	readonly #lessons: LessonQueries;
	readonly #trends: TrendsQuery;
	readonly #comparison: ComparisonQuery;
	readonly #warnings: WarningsQuery;
	readonly #retention: Retention;
	readonly #timers: NodeJS.Timeout[] = [];
	readonly #background: boolean;
	#endedSettle: NodeJS.Timeout | null = null;
	#closed = false;
	readonly #backgroundWork = new Set<Promise<unknown>>();

	private constructor(store: AnalyticsStore, writer: EventWriter, options: AnalyticsOptions) {
		this.store = store;
		this.writer = writer;
		this.retentionDays = options.retentionDays;
		this.#background = options.background !== false;
		this.pseudonymizer = new Pseudonymizer(options.secret);
		this.audit = new AuditLog(store);
		this.tokens = new ApiTokenRegistry(store, options.signApiToken, this.audit);
		this.exporter = new Exporter({ store, dir: options.exportDir, pseudonymizer: this.pseudonymizer, audit: this.audit, homePage: options.homePage });
		this.data = new DataQueries(store, this.pseudonymizer);
		this.#dims = new DimensionSync(store, options.catalog);
		this.#summarizer = new Summarizer(store, options.settleMs);
		this.#lessons = new LessonQueries(store);
		this.#trends = new TrendsQuery(store);
		this.#comparison = new ComparisonQuery(store);
		this.#warnings = new WarningsQuery(store);
		this.#retention = new Retention(store, this.audit);
	}

	static async open(options: AnalyticsOptions): Promise<AnalyticsService> {
		const store = await AnalyticsStore.open(options.file, { threads: options.threads, memoryLimit: options.memoryLimit });
		const writer = await EventWriter.open(store, { flushMs: options.flushMs, batchSize: options.batchSize });
		const service = new AnalyticsService(store, writer, options);
		await service.#dims.sync(true);
		if (options.background !== false) {
			const tick = Math.max(1000, Math.min(options.settleMs, 60_000));
			service.#every(tick, () => service.settle());
		}
		if (options.retentionDays !== null && options.background !== false) {
			const days = options.retentionDays;
			service.#every(86_400_000, () => service.purge(days).then(() => undefined));
		}
		log.info({ file: options.file, schemaVersion: await store.schemaVersion }, 'analytics store open');
		return service;
	}

	/** One event from the bus (or the Redis stream): queued for the next batch. */
	ingest(event: IncomingEvent): void {
		this.writer.append(event);
		if (event.type === 'lesson.ended') {
			this.#summarizer.lessonEnded(event.lessonId);
			this.#settleSoon();
		}
	}

	/**
	 * Staff open the dashboards right after a lesson: its summary (students, export rows) is made
	 * a moment after it ends (the last events of its peers still arrive), not on the next settle tick.
	 */
	#settleSoon(): void {
		if (!this.#background || this.#closed || this.#endedSettle) return;
		this.#endedSettle = setTimeout(() => {
			this.#endedSettle = null;
			if (this.#closed) return;
			this.#track(this.settle()).catch((error: Error) => log.error({ err: error.message }, 'analytics settle after a lesson failed'));
		}, ENDED_SETTLE_MS);
		this.#endedSettle.unref();
	}

	/** Which of these event ids the store already holds (queued events written first). */
	async storedEventIds(ids: readonly string[]): Promise<Set<string>> {
		if (ids.length === 0) return new Set();
		await this.writer.flush();
		const placeholders = ids.map((_, i) => `$${i + 1}`).join(', ');
		const rows = await this.store.all<{ id: string }>(`SELECT DISTINCT id FROM events WHERE id IN (${placeholders})`, [...ids]);
		return new Set(rows.map((row) => row.id));
	}

	/** Writes what is queued, refreshes the dimensions and summarises settled lessons (all lessons with `everything`). */
	async settle(everything = false): Promise<number> {
		await this.writer.flush();
		await this.#dims.sync(everything);
		return this.#summarizer.run(everything);
	}

	/** Before a query: queued events written, dimensions current. */
	async fresh(): Promise<void> {
		await this.writer.flush();
		await this.#dims.sync();
	}

	async lessons(filter: AnalyticsFilter): Promise<AnalyticsLessonList> {
		await this.fresh();
		return this.#lessons.list(filter);
	}

	async dashboard(lessonId: string, classroomIds?: string[]): Promise<LessonDashboard> {
		await this.fresh();
		return this.#lessons.dashboard(lessonId, classroomIds);
	}

	async trends(params: TrendsParams): Promise<Trends> {
		await this.fresh();
		return this.#trends.run(params);
	}

	async compare(filter: AnalyticsFilter): Promise<UrbanRuralComparison> {
		await this.fresh();
		return this.#comparison.run(filter);
	}

	async warnings(params: WarningsParams): Promise<EarlyWarnings> {
		await this.fresh();
		return this.#warnings.run(params);
	}

	async purge(olderThanDays: number): Promise<PurgeResult> {
		await this.writer.flush();
		const result = await this.#retention.purge(olderThanDays);
		log.warn({ ...result }, 'analytics purged');
		return result;
	}

	#every(ms: number, work: () => Promise<unknown>): void {
		let busy = false;
		const timer = setInterval(() => {
			if (busy) return;
			busy = true;
			this.#track(work())
				.catch((error: Error) => log.error({ err: error.message }, 'analytics background work failed'))
				.finally(() => (busy = false));
		}, ms);
		timer.unref();
		this.#timers.push(timer);
	}

	/** Background work the store must not close under (DuckDB fails a query whose connection closes). */
	#track<T>(work: Promise<T>): Promise<T> {
		this.#backgroundWork.add(work);
		const done = () => this.#backgroundWork.delete(work);
		work.then(done, done);
		return work;
	}

	async close(): Promise<void> {
		this.#closed = true;
		if (this.#endedSettle) clearTimeout(this.#endedSettle);
		for (const timer of this.#timers) clearInterval(timer);
		await Promise.allSettled([...this.#backgroundWork]);
		await this.#summarizer.idle();
		await this.writer.close();
		this.store.close();
		log.info({ written: this.writer.written }, 'analytics store closed');
	}
}

export function defaultAnalyticsFile(dataDir: string): string {
	return path.join(dataDir, 'analytics', 'classbridge.duckdb');
}
