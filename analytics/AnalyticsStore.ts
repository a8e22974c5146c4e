import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { moduleLogger } from '../core/logger.ts';
import { MIGRATIONS } from './schema.ts';

const log = moduleLogger('analytics-store');

export type Row = Record<string, unknown>;

/**
 * The DuckDB file (or memory, for tests and benches) behind analytics. Three connections, kept
 * apart by DuckDB's MVCC: the event writer appends on `writer`; statements (summaries, dimensions,
 * tokens, purge, COPY) run one at a time on `#admin`; queries read on `#reader`. Opening applies
 * the pending migrations.
 */
export class AnalyticsStore {
	readonly file: string;
	readonly #instance: DuckDBInstance;
	readonly writer: DuckDBConnection;
	readonly #reader: DuckDBConnection;
	readonly #admin: DuckDBConnection;
	#queue: Promise<unknown> = Promise.resolve();
	#closed = false;

	private constructor(file: string, instance: DuckDBInstance, writer: DuckDBConnection, reader: DuckDBConnection, admin: DuckDBConnection) {
		this.file = file;
		this.#instance = instance;
		this.writer = writer;
		this.#reader = reader;
		this.#admin = admin;
	}

	/** `file` ':memory:' keeps everything in memory. */
	static async open(file: string, options: { threads?: number; memoryLimit?: string } = {}): Promise<AnalyticsStore> {
		if (file !== ':memory:') await mkdir(path.dirname(file), { recursive: true });
		const settings: Record<string, string> = {};
		if (options.threads) settings.threads = String(options.threads);
		if (options.memoryLimit) settings.memory_limit = options.memoryLimit;
		const instance = await DuckDBInstance.create(file, settings);
		const store = new AnalyticsStore(file, instance, await instance.connect(), await instance.connect(), await instance.connect());
		await store.#migrate();
		return store;
	}

	get schemaVersion(): Promise<number> {
		return this.one('SELECT max(version) AS v FROM schema_version').then((r) => Number(r?.v ?? 0));
	}

	async #migrate(): Promise<void> {
		await this.writer.run('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description VARCHAR NOT NULL, applied_at BIGINT NOT NULL)');
		const current = await this.schemaVersion;
		for (const migration of MIGRATIONS.filter((m) => m.version > current)) {
			await this.writer.run('BEGIN TRANSACTION');
			try {
				await this.writer.run(migration.sql);
				await this.writer.run('INSERT INTO schema_version VALUES ($1, $2, $3)', [migration.version, migration.description, Date.now()]);
				await this.writer.run('COMMIT');
			} catch (error) {
				await this.writer.run('ROLLBACK');
				throw new Error(`analytics migration ${migration.version} failed: ${(error as Error).message}`);
			}
			log.info({ version: migration.version, file: this.file }, 'analytics schema migrated');
		}
	}

	/** Rows as plain objects; BIGINT/HUGEINT become numbers (ms timestamps and counts fit). */
	async all<T extends object = Row>(sql: string, params: DuckDBValue[] | Record<string, DuckDBValue> = []): Promise<T[]> {
		this.#check();
		const reader = await this.#reader.runAndReadAll(sql, params);
		// Column-wise conversion: several times faster than getRowObjectsJS for results of thousands of rows.
		const names = reader.columnNames();
		const columns = reader.getColumnsJS();
		const count = columns[0]?.length ?? 0;
		const rows = new Array<T>(count);
		for (let i = 0; i < count; i++) {
			const row: Record<string, unknown> = {};
			for (let c = 0; c < names.length; c++) row[names[c]!] = plain(columns[c]![i]);
			rows[i] = row as T;
		}
		return rows;
	}

	async one<T extends object = Row>(sql: string, params: DuckDBValue[] | Record<string, DuckDBValue> = []): Promise<T | undefined> {
		return (await this.all<T>(sql, params))[0];
	}

	/** One statement on the admin connection, after the ones queued before it. */
	exec(sql: string, params: DuckDBValue[] | Record<string, DuckDBValue> = []): Promise<number> {
		return this.#serial(() => this.#run(sql, params));
	}

	/** Statements in one transaction, nothing else on the admin connection meanwhile. */
	transaction<T>(work: (exec: (sql: string, params?: DuckDBValue[] | Record<string, DuckDBValue>) => Promise<number>) => Promise<T>): Promise<T> {
		return this.#serial(async () => {
			await this.#run('BEGIN TRANSACTION');
			try {
				const result = await work((sql, params = []) => this.#run(sql, params));
				await this.#run('COMMIT');
				return result;
			} catch (error) {
				await this.#run('ROLLBACK').catch(() => undefined);
				throw error;
			}
		});
	}

	async #run(sql: string, params: DuckDBValue[] | Record<string, DuckDBValue> = []): Promise<number> {
		this.#check();
		return (await this.#admin.run(sql, params)).rowsChanged;
	}

	#serial<T>(work: () => Promise<T>): Promise<T> {
		const next = this.#queue.then(work, work);
		this.#queue = next.catch(() => undefined);
		return next;
	}

	#check(): void {
		if (this.#closed) throw new Error('the analytics store is closed');
	}

	close(): void {
		if (this.#closed) return;
		this.#closed = true;
		this.writer.closeSync();
		this.#reader.closeSync();
		this.#admin.closeSync();
		this.#instance.closeSync();
	}
}

function plain(value: unknown): unknown {
	if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? Number(value) : value;
	if (Array.isArray(value)) return value.map(plain);
	if (value && typeof value === 'object' && !(value instanceof Date) && !(value instanceof Uint8Array)) {
		return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
	}
	return value;
}
