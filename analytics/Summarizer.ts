import { moduleLogger } from '../core/logger.ts';
import type { AnalyticsStore } from './AnalyticsStore.ts';
import { lessonCtes, sqlIdList } from './metricsSql.ts';

const log = moduleLogger('analytics-summarizer');

const BATCH = 100;

/**
 * Once a lesson's events settle (nothing new for `settleMs`, or the lesson ended), computes its
 * per-student and per-room figures into student_lesson / room_lesson, which the cross-lesson
 * views read instead of the raw events. A lesson that gets late events is summarised again.
 */
export class Summarizer {
	readonly #store: AnalyticsStore;
	readonly #settleMs: number;
	readonly #ended = new Set<string>();
	#running: Promise<void> | null = null;

	constructor(store: AnalyticsStore, settleMs: number) {
		this.#store = store;
		this.#settleMs = settleMs;
	}

	/** The lesson ended: summarise it on the next run whatever its age. */
	lessonEnded(lessonId: string): void {
		this.#ended.add(lessonId);
	}

	/** Summarises every settled lesson not yet summarised (all of them with `everything`); returns how many. */
	run(everything = false): Promise<number> {
		// One run at a time; a failed run does not stop the next, and is its caller's to handle.
		const next = (this.#running ?? Promise.resolve()).then(() => this.#run(everything));
		const settled = next.then(
			() => undefined,
			() => undefined
		);
		this.#running = settled;
		void settled.then(() => {
			if (this.#running === settled) this.#running = null;
		});
		return next;
	}

	/** Resolves when no run is in progress (before the store closes). */
	idle(): Promise<void> {
		return this.#running ?? Promise.resolve();
	}

	async #run(everything: boolean): Promise<number> {
		const cutoff = Date.now() - this.#settleMs;
		const ended = [...this.#ended];
		const due = await this.#store.all<{ lesson_id: string; first_at: number; last_at: number }>(
			`SELECT lesson_id, first_at, last_at FROM lesson_spans
			 WHERE (summarized_last_at IS NULL OR summarized_last_at < last_at)
			   AND ($everything OR last_at < $cutoff OR lesson_id IN ${sqlIdList(ended)})
			 ORDER BY first_at`,
			{ everything, cutoff: BigInt(cutoff) }
		);
		for (let i = 0; i < due.length; i += BATCH) {
			const batch = due.slice(i, i + BATCH);
			await this.#summarize(batch);
		}
		for (const id of ended) this.#ended.delete(id);
		if (due.length > 0) log.debug({ lessons: due.length }, 'lessons summarised');
		return due.length;
	}

	async #summarize(batch: { lesson_id: string; first_at: number; last_at: number }[]): Promise<void> {
		const lessonIds = batch.map((b) => b.lesson_id);
		const scope = { lessonIds, from: Math.min(...batch.map((b) => b.first_at)), to: Math.max(...batch.map((b) => b.last_at)) };
		const ids = sqlIdList(lessonIds);
		const ctes = lessonCtes(scope);
		const marks = batch.map((b) => `('${b.lesson_id}', ${Math.round(b.last_at)})`).join(', ');
		await this.#store.transaction(async (exec) => {
			await exec(`DELETE FROM student_lesson WHERE lesson_id IN ${ids}`);
			await exec(`DELETE FROM room_lesson WHERE lesson_id IN ${ids}`);
			await exec(`INSERT INTO student_lesson WITH ${ctes}
				SELECT lesson_id, classroom_id, student_id, started_at, minutes, polls_answered, polls_open, quiz_correct, quiz_open,
					quiz_answered, hands, chat, questions, activity
				FROM student_scores ORDER BY lesson_id, classroom_id, student_id`);
			await exec(`INSERT INTO room_lesson WITH ${ctes}
				SELECT lesson_id, classroom_id, started_at, students, student_minutes, room_minutes, joins, leaves, hands, chat, questions,
					talk_ms, answers, answer_slots, quiz_correct, quiz_answered, sampled_minutes, degraded_minutes, score
				FROM room_stats ORDER BY lesson_id, classroom_id`);
			// Only the marker moves (to the last event summarised): the events themselves are never touched.
			await exec(`UPDATE lesson_spans SET summarized_last_at = m.last_at FROM (VALUES ${marks}) m(lesson_id, last_at) WHERE lesson_spans.lesson_id = m.lesson_id`);
		});
	}
}
