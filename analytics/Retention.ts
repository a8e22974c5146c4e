import type { PurgeResult } from '../protocol/index.ts';
import type { AnalyticsStore } from './AnalyticsStore.ts';
import type { AuditLog } from './AuditLog.ts';

const DAY_MS = 86_400_000;

/**
 * Removes whole lessons whose last event is older than N days: their events, span and summaries.
 * A lesson is removed entire or not at all, so no lesson is ever left half-rewritten.
 */
export class Retention {
	readonly #store: AnalyticsStore;
	readonly #audit: AuditLog;

	constructor(store: AnalyticsStore, audit: AuditLog) {
		this.#store = store;
		this.#audit = audit;
	}

	async purge(olderThanDays: number, now = Date.now()): Promise<PurgeResult> {
		const before = now - olderThanDays * DAY_MS;
		const result = await this.#store.transaction(async (exec) => {
			const old = `SELECT lesson_id FROM lesson_spans WHERE last_at < ${before}`;
			const removedEvents = await exec(`DELETE FROM events WHERE at_ms < ${before} AND lesson_id IN (${old})`);
			await exec(`DELETE FROM student_lesson WHERE lesson_id IN (${old})`);
			await exec(`DELETE FROM room_lesson WHERE lesson_id IN (${old})`);
			const removedLessons = await exec(`DELETE FROM lesson_spans WHERE last_at < ${before}`);
			return { olderThanDays, before, removedEvents, removedLessons };
		});
		await this.#audit.record('purge', `older than ${olderThanDays} days (before ${new Date(before).toISOString()}): ${result.removedEvents} events, ${result.removedLessons} lessons`);
		return result;
	}
}
