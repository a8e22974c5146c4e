import { moduleLogger } from '../core/logger.ts';
import type { AnalyticsStore } from './AnalyticsStore.ts';
import { toEventRow, type EventRow, type IncomingEvent } from './eventRow.ts';

const log = moduleLogger('analytics-writer');

export interface EventWriterOptions {
	/** Flush at least this often while events wait. */
	flushMs: number;
	/** Flush at once when this many wait. */
	batchSize: number;
}

/**
 * Appends events to the store in batches (DuckDB's Appender: one columnar write per batch, not a
 * statement per event) and keeps `lesson_spans` current. Rows are only ever appended; nothing here
 * updates or deletes an event.
 */
export class EventWriter {
	readonly #store: AnalyticsStore;
	readonly #options: EventWriterOptions;
	#pending: EventRow[] = [];
	#timer: NodeJS.Timeout | null = null;
	#flushing: Promise<void> = Promise.resolve();
	#seq = 0;
	#written = 0;
	#failed = 0;
	#lastWriteFailed = false;
	#closed = false;

	private constructor(store: AnalyticsStore, options: EventWriterOptions) {
		this.#store = store;
		this.#options = options;
	}

	static async open(store: AnalyticsStore, options: EventWriterOptions): Promise<EventWriter> {
		const writer = new EventWriter(store, options);
		const row = await store.one<{ seq: number | null }>('SELECT max(seq) AS seq FROM events');
		writer.#seq = (row?.seq ?? 0) + 1;
		return writer;
	}

	/** Events appended so far. */
	get written(): number {
		return this.#written;
	}

	/** Events waiting for the next flush. */
	get queued(): number {
		return this.#pending.length;
	}

	/** Events lost to failed writes (logged). */
	get failed(): number {
		return this.#failed;
	}

	/** The latest batch could not be written (health check); false again once one is. */
	get lastWriteFailed(): boolean {
		return this.#lastWriteFailed;
	}

	/** Closed: it appends nothing more. */
	get closed(): boolean {
		return this.#closed;
	}

	append(event: IncomingEvent): void {
		if (this.#closed) return;
		this.#pending.push(toEventRow(event));
		if (this.#pending.length >= this.#options.batchSize) void this.flush();
		else this.#timer ??= setTimeout(() => void this.flush(), this.#options.flushMs);
	}

	/** Writes everything queued; resolves when it is in the store. */
	flush(): Promise<void> {
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = null;
		const batch = this.#pending;
		this.#pending = [];
		if (batch.length === 0) return this.#flushing;
		this.#flushing = this.#flushing.then(() =>
			this.#write(batch).catch((error: Error) => {
				this.#failed += batch.length;
				this.#lastWriteFailed = true;
				log.error({ err: error.message, events: batch.length }, 'analytics batch not written');
			})
		);
		return this.#flushing;
	}

	async close(): Promise<void> {
		await this.flush();
		this.#closed = true;
	}

	async #write(batch: EventRow[]): Promise<void> {
		// Rows and their lesson spans in one transaction: one commit (one WAL sync) per batch.
		const connection = this.#store.writer;
		await connection.run('BEGIN TRANSACTION');
		try {
			await this.#append(batch);
			await this.#updateSpans(batch);
			await connection.run('COMMIT');
			this.#lastWriteFailed = false;
		} catch (error) {
			await connection.run('ROLLBACK').catch(() => undefined);
			this.#seq -= batch.length;
			throw error;
		}
		this.#written += batch.length;
	}

	async #append(batch: EventRow[]): Promise<void> {
		const appender = await this.#store.writer.createAppender('events');
		try {
			for (const row of batch) {
				appender.appendBigInt(BigInt(this.#seq++));
				appender.appendVarchar(row.id);
				appender.appendVarchar(row.lessonId);
				appender.appendBigInt(BigInt(row.at));
				appender.appendVarchar(row.type);
				appender.appendVarchar(row.actor);
				appender.appendVarchar(row.role);
				nullable(row.classroomId, (v) => appender.appendVarchar(v), appender);
				appender.appendInteger(row.v);
				nullable(row.subject, (v) => appender.appendVarchar(v), appender);
				nullable(row.pollId, (v) => appender.appendVarchar(v), appender);
				nullable(row.anonymous, (v) => appender.appendBoolean(v), appender);
				nullable(row.correct, (v) => appender.appendBoolean(v), appender);
				nullable(row.flag, (v) => appender.appendBoolean(v), appender);
				nullable(row.durationMs, (v) => appender.appendDouble(v), appender);
				nullable(row.loss, (v) => appender.appendDouble(v), appender);
				nullable(row.rttMs, (v) => appender.appendDouble(v), appender);
				nullable(row.score, (v) => appender.appendDouble(v), appender);
				appender.appendVarchar(row.data);
				appender.endRow();
			}
			appender.flushSync();
		} finally {
			appender.closeSync();
		}
	}

	async #updateSpans(batch: EventRow[]): Promise<void> {
		const spans = new Map<string, { first: number; last: number; count: number }>();
		for (const row of batch) {
			const span = spans.get(row.lessonId);
			if (!span) spans.set(row.lessonId, { first: row.at, last: row.at, count: 1 });
			else {
				span.first = Math.min(span.first, row.at);
				span.last = Math.max(span.last, row.at);
				span.count++;
			}
		}
		const values: (string | bigint)[] = [];
		const tuples: string[] = [];
		for (const [lessonId, span] of spans) {
			const i = values.length;
			tuples.push(`($${i + 1}, $${i + 2}, $${i + 3}, $${i + 4}, NULL)`);
			values.push(lessonId, BigInt(span.first), BigInt(span.last), BigInt(span.count));
		}
		await this.#store.writer.run(
			`INSERT INTO lesson_spans VALUES ${tuples.join(', ')}
			 ON CONFLICT (lesson_id) DO UPDATE SET
				first_at = least(lesson_spans.first_at, excluded.first_at),
				last_at = greatest(lesson_spans.last_at, excluded.last_at),
				events = lesson_spans.events + excluded.events`,
			values
		);
	}
}

function nullable<T>(value: T | null, append: (v: T) => void, appender: { appendNull(): void }): void {
	if (value === null) appender.appendNull();
	else append(value);
}
