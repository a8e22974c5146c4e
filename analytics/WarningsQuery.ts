import type { EarlyWarning, EarlyWarnings, WarningsQuery as WarningsParams } from '../protocol/index.ts';
import type { AnalyticsStore } from './AnalyticsStore.ts';
import { filterSql } from './filters.ts';

/**
 * Students and rooms whose participation or quiz accuracy fell. The window is each room's last N
 * lessons (within the filters); the drop is the mean over the older half of that window minus the
 * mean over the newer half (the middle lesson of an odd window counts in neither). A student who
 * missed one of their room's lessons that had polls counts as participation 0 for it, since
 * staying away is the strongest sign of drifting off. Warn when the drop is at least `drop`.
 */
export class WarningsQuery {
	readonly #store: AnalyticsStore;

	constructor(store: AnalyticsStore) {
		this.#store = store;
	}

	async run(params: WarningsParams): Promise<EarlyWarnings> {
		const where = filterSql(params, 't.');
		const n = Math.floor(params.lessons);
		const rows = await this.#store.all<{
			kind: 'student' | 'classroom';
			id: string;
			label: string | null;
			classroom_id: string;
			metric: 'participation' | 'accuracy';
			before: number;
			after: number;
			evidence: { lessonId: string; startedAt: number; value: number }[];
		}>(
			`WITH room_window AS (
				SELECT *, least(total, ${n}) AS n FROM (
					SELECT t.classroom_id, t.lesson_id, t.started_at, t.answer_slots > 0 AS had_polls,
						CASE WHEN t.answer_slots > 0 THEN least(1.0, t.answers / t.answer_slots) END AS participation,
						CASE WHEN t.quiz_answered > 0 THEN t.quiz_correct / t.quiz_answered END AS accuracy,
						row_number() OVER (PARTITION BY t.classroom_id ORDER BY t.started_at DESC, t.lesson_id DESC) AS rank_,
						count(*) OVER (PARTITION BY t.classroom_id) AS total
					FROM room_lesson t WHERE ${where}
				) WHERE rank_ <= ${n}
			),
			roster AS (
				SELECT DISTINCT s.classroom_id, s.student_id FROM student_lesson s JOIN room_window w USING (classroom_id, lesson_id)
			),
			values_ AS (
				SELECT 'student' AS kind, r.student_id AS id, w.classroom_id, w.lesson_id, w.started_at, w.rank_, w.n,
					CASE WHEN s.lesson_id IS NULL THEN (CASE WHEN w.had_polls THEN 0.0 END)
						WHEN s.polls_open > 0 THEN s.polls_answered / s.polls_open END AS participation,
					CASE WHEN s.quiz_answered > 0 THEN s.quiz_correct / s.quiz_answered END AS accuracy
				FROM roster r JOIN room_window w USING (classroom_id)
				LEFT JOIN student_lesson s ON s.lesson_id = w.lesson_id AND s.student_id = r.student_id
				UNION ALL
				SELECT 'classroom', classroom_id, classroom_id, lesson_id, started_at, rank_, n, participation, accuracy FROM room_window
			),
			long AS (
				SELECT kind, id, classroom_id, lesson_id, started_at, rank_, n, 'participation' AS metric, participation AS value FROM values_ WHERE participation IS NOT NULL
				UNION ALL
				SELECT kind, id, classroom_id, lesson_id, started_at, rank_, n, 'accuracy', accuracy FROM values_ WHERE accuracy IS NOT NULL
			),
			judged AS (
				SELECT kind, id, metric, any_value(classroom_id) AS classroom_id,
					avg(value) FILTER (WHERE rank_ > n - n // 2) AS before,
					avg(value) FILTER (WHERE rank_ <= n // 2) AS after,
					list({'lessonId': lesson_id, 'startedAt': started_at, 'value': value}) AS evidence
				FROM long GROUP BY kind, id, metric HAVING count(*) >= 2
			)
			SELECT j.*, coalesce(ds.name, c.name) AS label
			FROM judged j LEFT JOIN dim_students ds ON ds.id = j.id LEFT JOIN dim_classrooms c ON c.id = j.id
			WHERE j.before - j.after >= $drop - 1e-9
			ORDER BY j.before - j.after DESC, j.kind, j.id, j.metric
			LIMIT 500`,
			{ drop: params.drop }
		);
		const warnings: EarlyWarning[] = rows.map((r) => ({
			kind: r.kind,
			id: r.id,
			label: r.label ?? r.id,
			classroomId: r.classroom_id,
			metric: r.metric,
			drop: r.before - r.after,
			before: r.before,
			after: r.after,
			evidence: [...r.evidence].sort((a, b) => a.startedAt - b.startedAt || a.lessonId.localeCompare(b.lessonId))
		}));
		return {
			lessons: params.lessons,
			drop: params.drop,
			rule:
				`over each room's last ${params.lessons} lessons, warn when the mean of the older half minus the mean of the newer half is at least ${params.drop} ` +
				'(participation: share of polls answered, a missed lesson with polls counting 0 for a student; accuracy: share of quiz answers right)',
			warnings
		};
	}
}
