import type {
	DataClassroom,
	DataEvent,
	DataEventsQuery,
	DataLesson,
	DataPage,
	RoomLessonSummary
} from '../protocol/index.ts';
import type { z } from 'zod';
import type { DataLessonsQuerySchema, DataSummariesQuerySchema } from '../protocol/index.ts';
import { AnalyticsError } from './AnalyticsError.ts';
import type { AnalyticsStore } from './AnalyticsStore.ts';
import { exportSelect } from './exportSql.ts';
import { sqlIdArray, sqlIdList } from './metricsSql.ts';
import type { Pseudonymizer } from './pseudonym.ts';

type LessonsQuery = z.output<typeof DataLessonsQuerySchema>;
type SummariesQuery = z.output<typeof DataSummariesQuerySchema>;
/** A page without its `next` link (the HTTP layer adds that). */
export type Page<T> = Omit<DataPage<T>, 'next'>;

interface RoomLessonRow {
	lesson_id: string;
	classroom_id: string;
	started_at: number;
	students: number;
	student_minutes: number;
	room_minutes: number;
	joins: number;
	leaves: number;
	hands: number;
	chat: number;
	questions: number;
	talk_ms: number;
	answers: number;
	answer_slots: number;
	quiz_correct: number;
	quiz_answered: number;
	sampled_minutes: number;
	degraded_minutes: number;
	score: number | null;
}

/** Cursors are opaque to clients: base64url JSON of the last row's sort key. */
function encodeCursor(key: unknown[]): string {
	return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string | undefined, shape: ('number' | 'string')[]): unknown[] | null {
	if (!cursor) return null;
	try {
		const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
		if (Array.isArray(key) && key.length === shape.length && key.every((v, i) => typeof v === shape[i])) {
			if (key.every((v) => typeof v !== 'string' || /^[A-Za-z0-9_-]{0,64}$/.test(v))) return key;
		}
	} catch {
		// falls through to the refusal
	}
	throw new AnalyticsError('invalid', 'cursor: not a cursor from this API');
}

function page<T>(rows: T[], limit: number, keyOf: (row: T) => unknown[]): Page<T> {
	const more = rows.length > limit;
	const items = more ? rows.slice(0, limit) : rows;
	const last = items[items.length - 1];
	return { items, nextCursor: more && last ? encodeCursor(keyOf(last)) : null };
}

/** The district data hub's read-only views: pseudonymous, keyset-paginated. */
export class DataQueries {
	readonly #store: AnalyticsStore;
	readonly #pseudo: Pseudonymizer;

	constructor(store: AnalyticsStore, pseudonymizer: Pseudonymizer) {
		this.#store = store;
		this.#pseudo = pseudonymizer;
	}

	async lessons(q: LessonsQuery): Promise<Page<DataLesson>> {
		const after = decodeCursor(q.cursor, ['number', 'string']);
		const conds = ['TRUE'];
		if (q.from !== undefined) conds.push(`s.first_at >= ${Math.floor(q.from)}`);
		if (q.to !== undefined) conds.push(`s.first_at <= ${Math.ceil(q.to)}`);
		if (q.classroomId?.length) conds.push(`list_has_any(coalesce(l.classroom_ids, []), ${sqlIdArray(q.classroomId)})`);
		if (after) conds.push(`(s.first_at, s.lesson_id) > (${Number(after[0])}, '${after[1]}')`);
		const rows = await this.#store.all<{ lesson_id: string; title: string | null; first_at: number; last_at: number; classroom_ids: string[] | null; events: number }>(
			`SELECT s.lesson_id, l.title, s.first_at, s.last_at, l.classroom_ids, s.events
			 FROM lesson_spans s LEFT JOIN dim_lessons l ON l.id = s.lesson_id
			 WHERE ${conds.join(' AND ')} ORDER BY s.first_at, s.lesson_id LIMIT ${q.limit + 1}`
		);
		const items = rows.map((r) => ({
			lessonId: r.lesson_id,
			title: r.title ?? r.lesson_id,
			startedAt: r.first_at,
			endedAt: r.last_at,
			classroomIds: r.classroom_ids ?? [],
			events: r.events
		}));
		return page(items, q.limit, (l) => [l.startedAt, l.lessonId]);
	}

	async classrooms(q: { limit: number; cursor?: string }): Promise<Page<DataClassroom>> {
		const after = decodeCursor(q.cursor, ['string']);
		const rows = await this.#store.all<{ id: string; name: string; school_id: string | null; school_name: string | null; locale: 'urban' | 'rural' | null }>(
			`SELECT c.id, c.name, c.school_id, s.name AS school_name, s.locale FROM dim_classrooms c LEFT JOIN dim_schools s ON s.id = c.school_id
			 WHERE ${after ? `c.id > '${after[0]}'` : 'TRUE'} ORDER BY c.id LIMIT ${q.limit + 1}`
		);
		const items = rows.map((r) => ({ classroomId: r.id, name: r.name, schoolId: r.school_id, schoolName: r.school_name, locale: r.locale }));
		return page(items, q.limit, (c) => [c.classroomId]);
	}

	async events(q: DataEventsQuery): Promise<Page<DataEvent>> {
		const after = decodeCursor(q.cursor, ['number']);
		const where = [`seq > ${after ? Math.floor(Number(after[0])) : -1}`];
		if (q.type) where.push(`type = '${q.type.replace(/[^a-zA-Z.]/g, '')}'`);
		const select = exportSelect('events', { ...q, names: false }, this.#pseudo, { where: where.join(' AND '), limit: q.limit + 1 });
		const rows = await this.#store.all<{ seq: number; id: string; lesson_id: string; at_ms: number; type: string; actor: string; role: string; classroom_id: string | null; data: string }>(select);
		const items = rows.map((r) => ({
			id: r.id,
			lessonId: r.lesson_id,
			at: r.at_ms,
			type: r.type,
			actor: r.actor,
			role: r.role,
			classroomId: r.classroom_id,
			data: JSON.parse(r.data) as Record<string, unknown>,
			seq: r.seq
		}));
		const result = page(items, q.limit, (e) => [e.seq]);
		return { ...result, items: result.items.map(({ seq: _seq, ...event }) => event) };
	}

	async summaries(q: SummariesQuery): Promise<Page<RoomLessonSummary>> {
		const after = decodeCursor(q.cursor, ['number', 'string', 'string']);
		const conds = ['TRUE'];
		if (q.from !== undefined) conds.push(`started_at >= ${Math.floor(q.from)}`);
		if (q.to !== undefined) conds.push(`started_at <= ${Math.ceil(q.to)}`);
		if (q.classroomId?.length) conds.push(`classroom_id IN ${sqlIdList(q.classroomId)}`);
		if (q.lessonId) conds.push(`lesson_id IN ${sqlIdList([q.lessonId])}`);
		if (after) conds.push(`(started_at, lesson_id, classroom_id) > (${Number(after[0])}, '${after[1]}', '${after[2]}')`);
		const rows = await this.#store.all<RoomLessonRow>(
			`SELECT * FROM room_lesson WHERE ${conds.join(' AND ')} ORDER BY started_at, lesson_id, classroom_id LIMIT ${q.limit + 1}`
		);
		const items: RoomLessonSummary[] = rows.map((r) => ({
			lessonId: r.lesson_id,
			classroomId: r.classroom_id,
			startedAt: r.started_at,
			students: r.students,
			studentMinutes: r.student_minutes,
			roomMinutes: r.room_minutes,
			joins: r.joins,
			leaves: r.leaves,
			hands: r.hands,
			chat: r.chat,
			questions: r.questions,
			talkMs: r.talk_ms,
			pollsAnswered: r.answers,
			participation: r.answer_slots > 0 ? Math.min(1, r.answers / r.answer_slots) : null,
			accuracy: r.quiz_answered > 0 ? r.quiz_correct / r.quiz_answered : null,
			degradedShare: r.sampled_minutes > 0 ? r.degraded_minutes / r.sampled_minutes : null,
			score: r.score
		}));
		return page(items, q.limit, (s) => [s.startedAt, s.lessonId, s.classroomId]);
	}
}
