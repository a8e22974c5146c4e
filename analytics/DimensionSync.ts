import type { Classroom, LessonRecord, School, Student } from '../protocol/index.ts';
import { moduleLogger } from '../core/logger.ts';
import type { AnalyticsStore } from './AnalyticsStore.ts';

const log = moduleLogger('analytics-dims');

type Exec = (sql: string, params?: (string | bigint | null)[]) => Promise<number>;

/** What analytics reads of the catalog (signalling/catalog/CatalogStore fits). */
export interface CatalogSource {
	schools(): School[];
	classrooms(): Classroom[];
	lessons(): LessonRecord[];
	students(classroomId: string): Student[];
	student(id: string): Student | undefined;
	resolveStudent(id: string): Student | undefined;
}

/**
 * Copies schools, classrooms, lessons and class lists into the store's dimension tables, for joins
 * and labels. Cheap to repeat: the copy is skipped while the catalog's fingerprint is unchanged,
 * unless forced.
 */
export class DimensionSync {
	readonly #store: AnalyticsStore;
	readonly #catalog: CatalogSource;
	#fingerprint = '';
	/** Student ids seen in events (up to seq #seenUpTo), so each sync reads only the new events. */
	readonly #seenStudents = new Set<string>();
	#seenUpTo = 0;
	#running: Promise<void> | null = null;

	readonly #minIntervalMs: number;
	#checkedAt = 0;

	constructor(store: AnalyticsStore, catalog: CatalogSource, minIntervalMs = 1000) {
		this.#store = store;
		this.#catalog = catalog;
		this.#minIntervalMs = minIntervalMs;
	}

	/** Copies the catalog unless it was looked at less than `minIntervalMs` ago (or `force`). */
	sync(force = false): Promise<void> {
		if (!force && Date.now() - this.#checkedAt < this.#minIntervalMs) return this.#running ?? Promise.resolve();
		this.#running ??= this.#sync(force).finally(() => {
			this.#running = null;
			this.#checkedAt = Date.now();
		});
		return this.#running;
	}

	async #sync(force: boolean): Promise<void> {
		const catalog = this.#catalog;
		const schools = catalog.schools();
		const classrooms = catalog.classrooms();
		const lessons = catalog.lessons();
		const students = classrooms.flatMap((c) => catalog.students(c.id));
		const byId = new Map(students.map((s) => [s.id, s]));
		// Ids seen in events but no longer on a list (merged entries): resolve them through the catalog.
		const fresh = await this.#store.all<{ actor: string; seq: number }>(
			`SELECT actor, max(seq) AS seq FROM events WHERE seq > ${this.#seenUpTo} AND role = 'student' AND actor <> 'anonymous' GROUP BY actor`
		);
		for (const { actor, seq } of fresh) {
			this.#seenStudents.add(actor);
			this.#seenUpTo = Math.max(this.#seenUpTo, seq);
		}
		const extra: { id: string; classroomId: string; name: string; resolvedId: string }[] = [];
		for (const actor of this.#seenStudents) {
			if (byId.has(actor)) continue;
			const own = catalog.student(actor);
			const resolved = catalog.resolveStudent(actor);
			if (own) extra.push({ id: own.id, classroomId: own.classroomId, name: (resolved ?? own).name, resolvedId: resolved?.id ?? own.id });
		}
		const fingerprint = JSON.stringify([
			schools.map((s) => [s.id, s.name, s.locale]),
			classrooms.map((c) => [c.id, c.name, c.schoolId]),
			lessons.map((l) => [l.id, l.replayOf ?? null]),
			students.map((s) => [s.id, s.name]),
			extra.map((s) => [s.id, s.resolvedId])
		]);
		if (!force && fingerprint === this.#fingerprint) return;
		await this.#store.transaction(async (exec) => {
			await exec('DELETE FROM dim_schools');
			await exec('DELETE FROM dim_classrooms');
			await exec('DELETE FROM dim_lessons');
			await exec('DELETE FROM dim_students');
			await insertRows(exec, 'dim_schools', 3, schools.map((s) => [s.id, s.name, s.locale]));
			await insertRows(exec, 'dim_classrooms', 3, classrooms.map((c) => [c.id, c.schoolId, c.name]));
			await insertRows(
				exec,
				'dim_lessons',
				6,
				lessons.map((l) => [l.id, l.title, l.teacherName, `[${l.classroomIds.map((id) => `'${id.replace(/'/g, '')}'`).join(',')}]`, BigInt(l.createdAt), l.replayOf ?? null]),
				[3]
			);
			const studentRows = [
				...students.map((s) => [s.id, s.classroomId, s.name, s.id]),
				...extra.map((s) => [s.id, s.classroomId, s.name, s.resolvedId])
			];
			await insertRows(exec, 'dim_students', 4, studentRows);
		});
		this.#fingerprint = fingerprint;
		log.debug({ schools: schools.length, classrooms: classrooms.length, lessons: lessons.length, students: students.length }, 'dimensions synced');
	}
}

/** Multi-row INSERT in chunks; `castList` marks columns passed as a list literal. */
async function insertRows(exec: Exec, table: string, width: number, rows: unknown[][], castList: number[] = []): Promise<void> {
	for (let start = 0; start < rows.length; start += 500) {
		const chunk = rows.slice(start, start + 500);
		const params: (string | bigint | null)[] = [];
		const tuples = chunk.map((row) => {
			const cells = row.map((value, i) => {
				params.push(value as string | bigint | null);
				return castList.includes(i) ? `$${params.length}::VARCHAR[]` : `$${params.length}`;
			});
			if (cells.length !== width) throw new Error(`row width ${cells.length} for ${table}`);
			return `(${cells.join(', ')})`;
		});
		await exec(`INSERT INTO ${table} VALUES ${tuples.join(', ')}`, params);
	}
}
