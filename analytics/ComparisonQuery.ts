import type { AnalyticsFilter, ComparisonFigures, UrbanRuralComparison } from '../protocol/index.ts';
import type { AnalyticsStore } from './AnalyticsStore.ts';
import { filterSql } from './filters.ts';

type FigureRow = {
	rooms: number;
	participation: number | null;
	accuracy: number | null;
	score: number | null;
	hands_per_student: number | null;
	messages_per_student: number | null;
	degraded_share: number | null;
};

const FIGURES = `count(*)::INTEGER AS rooms,
	CASE WHEN sum(t.answer_slots) > 0 THEN least(1.0, sum(t.answers) / sum(t.answer_slots)) END AS participation,
	CASE WHEN sum(t.quiz_answered) > 0 THEN sum(t.quiz_correct) / sum(t.quiz_answered) END AS accuracy,
	avg(t.score) AS score,
	CASE WHEN sum(t.students) > 0 THEN sum(t.hands) / sum(t.students) END AS hands_per_student,
	CASE WHEN sum(t.students) > 0 THEN sum(t.chat + t.questions) / sum(t.students) END AS messages_per_student,
	CASE WHEN sum(t.sampled_minutes) > 0 THEN sum(t.degraded_minutes) / sum(t.sampled_minutes) END AS degraded_share`;

/** Urban against rural rooms, on the lessons where both took part (so the lesson itself is held equal). */
export class ComparisonQuery {
	readonly #store: AnalyticsStore;

	constructor(store: AnalyticsStore) {
		this.#store = store;
	}

	async run(filter: AnalyticsFilter): Promise<UrbanRuralComparison> {
		const base = `WITH t AS (
				SELECT t.*, sc.locale FROM room_lesson t
				JOIN dim_classrooms c ON c.id = t.classroom_id JOIN dim_schools sc ON sc.id = c.school_id
				WHERE ${filterSql(filter, 't.')}
			),
			both_ AS (SELECT lesson_id FROM t GROUP BY lesson_id HAVING count(DISTINCT locale) = 2),
			t2 AS (SELECT * FROM t WHERE lesson_id IN (SELECT lesson_id FROM both_))`;
		const [perLesson, overall] = await Promise.all([
			this.#store.all<FigureRow & { lesson_id: string; locale: 'urban' | 'rural'; started_at: number; title: string | null }>(
				`${base} SELECT t.lesson_id, t.locale, min(t.started_at) AS started_at, any_value(l.title) AS title, ${FIGURES}
				 FROM t2 t LEFT JOIN dim_lessons l ON l.id = t.lesson_id GROUP BY t.lesson_id, t.locale ORDER BY started_at, t.lesson_id`
			),
			this.#store.all<FigureRow & { locale: 'urban' | 'rural' }>(`${base} SELECT t.locale, ${FIGURES} FROM t2 t GROUP BY t.locale`)
		]);
		const lessons = new Map<string, UrbanRuralComparison['lessons'][number]>();
		for (const r of perLesson) {
			let entry = lessons.get(r.lesson_id);
			if (!entry) {
				entry = { lessonId: r.lesson_id, title: r.title ?? r.lesson_id, startedAt: r.started_at, urban: empty(), rural: empty() };
				lessons.set(r.lesson_id, entry);
			}
			entry[r.locale] = figures(r);
		}
		const of = (locale: 'urban' | 'rural') => {
			const row = overall.find((r) => r.locale === locale);
			return row ? figures(row) : empty();
		};
		return { lessons: [...lessons.values()], urban: of('urban'), rural: of('rural') };
	}
}

function figures(r: FigureRow): ComparisonFigures {
	return {
		rooms: r.rooms,
		participation: r.participation,
		accuracy: r.accuracy,
		score: r.score,
		handsPerStudent: r.hands_per_student,
		messagesPerStudent: r.messages_per_student,
		degradedShare: r.degraded_share
	};
}

function empty(): ComparisonFigures {
	return { rooms: 0, participation: null, accuracy: null, score: null, handsPerStudent: null, messagesPerStudent: null, degradedShare: null };
}
