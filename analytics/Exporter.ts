import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CONFIRM_NAMED_EXPORT, type ExportQuery } from '../protocol/index.ts';
import { AnalyticsError } from './AnalyticsError.ts';
import type { AnalyticsStore } from './AnalyticsStore.ts';
import type { AuditLog } from './AuditLog.ts';
import { exportSelect } from './exportSql.ts';
import { sqlIdList } from './metricsSql.ts';
import type { Pseudonymizer } from './pseudonym.ts';
import { XAPI_EVENT_TYPES, XapiBuilder, type PollInfo, type XapiSourceRow } from './xapi.ts';

/** xAPI statements are built in memory: larger exports must be narrowed by lesson or dates. */
const MAX_XAPI_STATEMENTS = 200_000;

export interface ExportFile {
	path: string;
	fileName: string;
	contentType: string;
	/** Removes the temporary file once it has been sent. */
	dispose(): Promise<void>;
}

/** CSV and Parquet through DuckDB's own writers (COPY … TO), and xAPI statements as JSON. */
export class Exporter {
	readonly #store: AnalyticsStore;
	readonly #dir: string;
	readonly #pseudo: Pseudonymizer;
	readonly #audit: AuditLog;
	readonly #homePage: string;

	constructor(deps: { store: AnalyticsStore; dir: string; pseudonymizer: Pseudonymizer; audit: AuditLog; homePage: string }) {
		this.#store = deps.store;
		this.#dir = deps.dir;
		this.#pseudo = deps.pseudonymizer;
		this.#audit = deps.audit;
		this.#homePage = deps.homePage;
	}

	async export(query: ExportQuery, requester = 'staff'): Promise<ExportFile> {
		if (query.names && query.confirm !== CONFIRM_NAMED_EXPORT) {
			throw new AnalyticsError('forbidden', `an export with names needs names=true and confirm=${CONFIRM_NAMED_EXPORT} (a deliberate staff choice, which is logged)`);
		}
		if (query.lessonId) {
			const known = await this.#store.one('SELECT 1 AS x FROM lesson_spans WHERE lesson_id = $1', [query.lessonId]);
			if (!known) throw new AnalyticsError('not_found', `no analytics for lesson ${query.lessonId}`);
		}
		if (query.names) {
			await this.#audit.record(
				'export.named',
				`${requester}: ${query.format} ${query.format === 'xapi' ? 'events' : query.table} lesson=${query.lessonId ?? '*'} from=${query.from ?? '*'} to=${query.to ?? '*'} classrooms=${query.classroomId?.join(',') ?? '*'}`
			);
		}
		await mkdir(this.#dir, { recursive: true });
		const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
		const base = `classbridge-${query.format === 'xapi' ? 'xapi' : query.table}-${query.lessonId ?? 'all'}-${stamp}${query.names ? '-named' : ''}`;
		const file = path.join(this.#dir, `${randomUUID()}.${query.format === 'xapi' ? 'json' : query.format}`);
		const dispose = () => rm(file, { force: true });
		if (query.format === 'xapi') {
			await writeFile(file, JSON.stringify(await this.statements(query)));
			return { path: file, fileName: `${base}.json`, contentType: 'application/json; charset=utf-8', dispose };
		}
		const select = exportSelect(query.table, { ...query, names: query.names }, this.#pseudo);
		const options = query.format === 'csv' ? '(FORMAT csv, HEADER true)' : '(FORMAT parquet, COMPRESSION zstd)';
		await this.#store.exec(`COPY (${select}) TO '${file.replace(/'/g, "''")}' ${options}`);
		return {
			path: file,
			fileName: `${base}.${query.format}`,
			contentType: query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.apache.parquet',
			dispose
		};
	}

	/** xAPI statements for the events in scope (learner interactions only). */
	async statements(query: ExportQuery) {
		const select = exportSelect('events', { ...query, names: query.names }, this.#pseudo);
		const types = XAPI_EVENT_TYPES.map((t) => `'${t}'`).join(', ');
		const rows = await this.#store.all<XapiSourceRow>(`SELECT * FROM (${select}) WHERE type IN (${types}) LIMIT ${MAX_XAPI_STATEMENTS + 1}`);
		if (rows.length > MAX_XAPI_STATEMENTS) {
			throw new AnalyticsError('invalid', `more than ${MAX_XAPI_STATEMENTS} statements: narrow the export by lesson or dates`);
		}
		const lessons = [...new Set(rows.map((r) => r.lesson_id))];
		const polls = new Map<string, PollInfo>();
		if (lessons.length > 0) {
			const opened = await this.#store.all<{ lesson_id: string; poll_id: string; question: string; kind: string }>(
				`SELECT lesson_id, poll_id, json_extract_string(data, '$.question') AS question, json_extract_string(data, '$.kind') AS kind
				 FROM events WHERE type = 'poll.opened' AND lesson_id IN ${sqlIdList(lessons)}`
			);
			for (const p of opened) polls.set(`${p.lesson_id}/${p.poll_id}`, { question: p.question, kind: p.kind });
		}
		const builder = new XapiBuilder(this.#homePage, polls);
		return rows.map((r) => builder.statement(r)).filter((s) => s !== null);
	}
}
