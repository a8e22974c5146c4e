import type { TrendPoint, Trends, TrendSeries, TrendsQuery as TrendsParams } from '../protocol/index.ts';
import type { AnalyticsStore } from './AnalyticsStore.ts';
import { filterSql } from './filters.ts';
import { sqlIdList } from './metricsSql.ts';

const MAX_SERIES = 200;

interface TrendRow {
	id: string;
	label: string | null;
	classroom_id: string | null;
	school_id: string | null;
	locale: 'urban' | 'rural' | null;
	lesson_id: string;
	started_at: number;
	participation: number | null;
	accuracy: number | null;
	score: number | null;
	minutes: number;
	hands: number;
	messages: number;
}

/** Per-lesson figures of students, classrooms or schools across lessons, from the settled summaries. */
export class TrendsQuery {
	readonly #store: AnalyticsStore;

	constructor(store: AnalyticsStore) {
		this.#store = store;
	}

	async run(params: TrendsParams): Promise<Trends> {
		const where = filterSql(params, 't.');
		const one = params.id ? `AND id IN ${sqlIdList([params.id])}` : '';
		const rows = await this.#store.all<TrendRow>(`WITH base AS MATERIALIZED (${this.#sql(params.scope, where)} WHERE TRUE ${one}),
			picked AS (SELECT DISTINCT id FROM base ORDER BY id LIMIT ${MAX_SERIES})
			SELECT * FROM base WHERE id IN (SELECT id FROM picked) ORDER BY id, started_at`);
		const series = new Map<string, TrendSeries>();
		for (const r of rows) {
			let s = series.get(r.id);
			if (!s) {
				s = { scope: params.scope, id: r.id, label: r.label ?? r.id, classroomId: r.classroom_id, schoolId: r.school_id, locale: r.locale, points: [] };
				series.set(r.id, s);
			}
			const point: TrendPoint = {
				lessonId: r.lesson_id,
				startedAt: r.started_at,
				participation: r.participation,
				accuracy: r.accuracy,
				score: r.score,
				minutesPresent: r.minutes,
				hands: r.hands,
				messages: r.messages
			};
			s.points.push(point);
		}
		return { scope: params.scope, series: [...series.values()] };
	}

	#sql(scope: TrendsParams['scope'], where: string): string {
		const rooms = `SELECT c.id AS classroom_id, c.name AS classroom_name, c.school_id, sc.name AS school_name, sc.locale
			FROM dim_classrooms c LEFT JOIN dim_schools sc ON sc.id = c.school_id`;
		if (scope === 'student') {
			return `SELECT * FROM (SELECT t.student_id AS id, ds.name AS label, t.classroom_id, r.school_id, r.locale, t.lesson_id, t.started_at,
					CASE WHEN t.polls_open > 0 THEN t.polls_answered / t.polls_open END AS participation,
					CASE WHEN t.quiz_answered > 0 THEN t.quiz_correct / t.quiz_answered END AS accuracy,
					t.score, t.minutes_present AS minutes, t.hands, t.chat + t.questions AS messages
				FROM student_lesson t LEFT JOIN dim_students ds ON ds.id = t.student_id LEFT JOIN (${rooms}) r ON r.classroom_id = t.classroom_id
				WHERE ${where})`;
		}
		if (scope === 'classroom') {
			return `SELECT * FROM (SELECT t.classroom_id AS id, r.classroom_name AS label, t.classroom_id, r.school_id, r.locale, t.lesson_id, t.started_at,
					CASE WHEN t.answer_slots > 0 THEN least(1.0, t.answers / t.answer_slots) END AS participation,
					CASE WHEN t.quiz_answered > 0 THEN t.quiz_correct / t.quiz_answered END AS accuracy,
					t.score, t.student_minutes AS minutes, t.hands, t.chat + t.questions AS messages
				FROM room_lesson t LEFT JOIN (${rooms}) r ON r.classroom_id = t.classroom_id
				WHERE ${where})`;
		}
		return `SELECT * FROM (SELECT r.school_id AS id, any_value(r.school_name) AS label, NULL::VARCHAR AS classroom_id, r.school_id, any_value(r.locale) AS locale,
				t.lesson_id, min(t.started_at) AS started_at,
				CASE WHEN sum(t.answer_slots) > 0 THEN least(1.0, sum(t.answers) / sum(t.answer_slots)) END AS participation,
				CASE WHEN sum(t.quiz_answered) > 0 THEN sum(t.quiz_correct) / sum(t.quiz_answered) END AS accuracy,
				avg(t.score) AS score, sum(t.student_minutes) AS minutes, sum(t.hands)::INTEGER AS hands, sum(t.chat + t.questions)::INTEGER AS messages
			FROM room_lesson t JOIN (${rooms}) r ON r.classroom_id = t.classroom_id
			WHERE ${where} AND r.school_id IS NOT NULL
			GROUP BY r.school_id, t.lesson_id)`;
	}
}
