import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCatalog } from './testing/MemoryCatalog.ts';
import { EventBus } from '../core/EventBus.ts';
import type { EarlyWarnings, PollResults } from '../protocol/index.ts';
import { AnalyticsService } from './AnalyticsService.ts';

const DAY = 86_400_000;
const MIN = 60_000;

/**
 * Cross-lesson views over lessons played onto the real bus with chosen dates: the early-warning
 * list and its evidence, merged class-list entries, and the retention purge.
 */
describe('analytics across lessons', () => {
	let dir: string;
	let catalog: MemoryCatalog;
	let analytics: AnalyticsService;
	const bus = new EventBus();
	let roomA: string;
	let roomB: string;
	const ids: Record<string, string> = {};
	const start = Date.UTC(2026, 2, 2, 8, 0, 0);

	/** One lesson: everyone joins, one named quiz, `answers` maps a student key to right/wrong (absent = silent). */
	function playLesson(lessonId: string, at: number, answers: Record<string, boolean>) {
		const s = (key: string) => ({ actor: ids[key]!, role: 'student' as const, classroomId: key.startsWith('a') ? roomA : roomB });
		bus.publish(lessonId, 'participant.joined', { actor: 'teacher-x', role: 'teacher', classroomId: null }, { displayName: 'T', rejoin: false, joinedAt: at }, at);
		for (const key of ['a1', 'a2', 'b1', 'b2']) bus.publish(lessonId, 'participant.joined', s(key), { displayName: key, rejoin: false, joinedAt: at + 1000 }, at + 1000);
		const pollId = `poll_${lessonId}`;
		bus.publish(lessonId, 'poll.opened', { actor: 'teacher-x', role: 'teacher', classroomId: null }, {
			pollId, kind: 'single', question: 'q', options: ['x', 'y'], anonymous: false, quiz: true, allowChange: true, timerSeconds: null, prepared: false, slide: null,
			openedAt: at + 2 * MIN, closesAt: null
		}, at + 2 * MIN);
		for (const [key, right] of Object.entries(answers)) {
			bus.publish(lessonId, 'poll.answered', s(key), { pollId, anonymous: false, options: [right ? 1 : 0], value: null, textLength: null, correct: right }, at + 3 * MIN);
		}
		bus.publish(lessonId, 'poll.closed', { actor: 'teacher-x', role: 'teacher', classroomId: null }, { pollId, by: 'teacher', answered: Object.keys(answers).length, results: closedResults(pollId, Object.keys(answers).length) }, at + 40 * MIN);
	}

	beforeAll(async () => {
		dir = await mkdtemp(path.join(tmpdir(), 'cb-analytics-x-'));
		catalog = new MemoryCatalog();
		const urban = catalog.addSchool('Central', 'urban');
		const rural = catalog.addSchool('Hillside', 'rural');
		roomA = (catalog.addClassroom(urban.id, 'A')).id;
		roomB = (catalog.addClassroom(rural.id, 'B')).id;
		const [a1, a2] = catalog.addStudents(roomA, ['Ann', 'Abe'], true);
		const [b1] = catalog.addStudents(roomB, ['Bo'], true);
		const [b2typed] = catalog.addStudents(roomB, ['Bee (typed)'], false);
		const [b2] = catalog.addStudents(roomB, ['Bee'], true);
		Object.assign(ids, { a1: a1!.id, a2: a2!.id, b1: b1!.id, b2: b2typed!.id, b2listed: b2!.id });
		analytics = await AnalyticsService.open({
			file: ':memory:',
			exportDir: path.join(dir, 'exports'),
			flushMs: 20,
			batchSize: 500,
			settleMs: 3_600_000,
			retentionDays: null,
			homePage: 'http://classbridge.test',
			secret: new Uint8Array(32).fill(3),
			catalog,
			signApiToken: async (id) => id
		});
		bus.on('event', (e) => analytics.ingest(e));
		// Four lessons, a day apart. a1 answers right every time; a2 stops answering; room B's answers go wrong.
		playLesson('les_1', start, { a1: true, a2: true, b1: true, b2: true });
		playLesson('les_2', start + DAY, { a1: true, a2: true, b1: true, b2: true });
		playLesson('les_3', start + 2 * DAY, { a1: true, b1: false, b2: false });
		playLesson('les_4', start + 3 * DAY, { a1: true, b1: false, b2: false });
		// b2 was a typed name; the assistant merges it into the listed "Bee" before the summaries run.
		catalog.mergeStudent(ids.b2!, ids.b2listed!);
		expect(await analytics.settle(true)).toBe(4);
	});
	afterAll(async () => {
		await analytics.close();
		await rm(dir, { recursive: true, force: true });
	});

	it('warns about the student and room that fell, with the per-lesson evidence', async () => {
		const result: EarlyWarnings = await analytics.warnings({ lessons: 4, drop: 0.4 });
		const found = result.warnings.map((w) => [w.kind, w.id, w.metric, w.drop]);
		// a2: participation 1, 1, 0, 0 → older half 1, newer half 0, drop 1.
		// Room B: accuracy 1, 1, 0, 0 → drop 1. Its students b1 and b2 (merged into the listed entry) fell the same way.
		expect(found).toEqual(
			expect.arrayContaining([
				['student', ids.a2, 'participation', 1],
				['classroom', roomB, 'accuracy', 1],
				['student', ids.b1, 'accuracy', 1],
				['student', ids.b2listed, 'accuracy', 1]
			])
		);
		// Room A's accuracy never fell (a1 right every time; a2 right while answering); a1 never fell.
		expect(result.warnings.some((w) => w.id === ids.a1)).toBe(false);
		expect(result.warnings.some((w) => w.id === roomA && w.metric === 'accuracy')).toBe(false);
		// Room A's participation: 1, 1, 1/2, 1/2 → drop 0.5.
		expect(result.warnings.find((w) => w.id === roomA)).toMatchObject({ metric: 'participation', before: 1, after: 0.5 });
		const a2 = result.warnings.find((w) => w.id === ids.a2)!;
		expect(a2.evidence.map((e) => [e.lessonId, e.value])).toEqual([
			['les_1', 1],
			['les_2', 1],
			['les_3', 0],
			['les_4', 0]
		]);
		expect(a2.label).toBe('Abe');
		// A stricter threshold or an earlier date window clears the list.
		expect((await analytics.warnings({ lessons: 4, drop: 0.6 })).warnings.map((w) => w.id)).not.toContain(roomA);
		expect((await analytics.warnings({ lessons: 4, drop: 0.2, to: start + DAY + MIN })).warnings).toEqual([]);
		expect(result.rule).toContain('older half');
	});

	it('follows a merged class-list entry under the listed id', async () => {
		const rows = await analytics.store.all<{ student_id: string }>(`SELECT DISTINCT student_id FROM student_lesson WHERE classroom_id = '${roomB}' ORDER BY 1`);
		expect(rows.map((r) => r.student_id).sort()).toEqual([ids.b1, ids.b2listed].sort());
	});

	it('trends per school put each lesson in order', async () => {
		const trends = await analytics.trends({ scope: 'school' });
		const rural = trends.series.find((s) => s.locale === 'rural')!;
		expect(rural.points.map((p) => p.accuracy)).toEqual([1, 1, 0, 0]);
		expect(rural.points.map((p) => p.lessonId)).toEqual(['les_1', 'les_2', 'les_3', 'les_4']);
	});

	it('purges whole lessons older than N days and says how many events went', async () => {
		const before = await analytics.store.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM events WHERE lesson_id IN ('les_1', 'les_2')");
		const total = await analytics.store.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM events');
		// "Now" is 2.5 days after the first lesson: les_1 and les_2 ended more than a day before, les_3 and les_4 did not.
		const { Retention } = await import('./Retention.ts');
		const { AuditLog } = await import('./AuditLog.ts');
		const result = await new Retention(analytics.store, new AuditLog(analytics.store)).purge(1, start + 2 * DAY + 12 * 60 * MIN);
		expect(result).toMatchObject({ removedEvents: before!.n, removedLessons: 2 });
		const left = await analytics.store.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM events');
		expect(left!.n).toBe(total!.n - before!.n);
		const lessons = await analytics.lessons({});
		expect(lessons.lessons.map((l) => l.lessonId).sort()).toEqual(['les_3', 'les_4']);
		const summaries = await analytics.store.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM room_lesson WHERE lesson_id IN ('les_1', 'les_2')");
		expect(summaries!.n).toBe(0);
		expect((await analytics.audit.list()).some((r) => r.action === 'purge')).toBe(true);
	});
});

/** Results as a closed poll's event carries them (analytics ignores them and counts the answers). */
function closedResults(pollId: string, answered: number): PollResults {
	return { pollId, kind: 'single', status: 'closed', revealed: false, present: answered, answered, counts: [0, 0], correct: null, tally: null, numeric: null, texts: null, classrooms: [], withheld: false };
}
