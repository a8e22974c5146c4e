import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PollResultsNotice } from '../../protocol/index.ts';
import { addStudent, createLesson, startTestApp, TestClient, waitFor, type TestApp, type TestLesson } from '../../app/testing/harness.ts';
import { RESULTS_INTERVAL_MS } from './polls/PollFeed.ts';

const STUDENTS = 300;

/** A burst of answers becomes a few results notifications, and the last one is exact. */
describe('poll results are throttled', () => {
	let t: TestApp;
	let lesson: TestLesson;
	let teacher: TestClient;
	const students: TestClient[] = [];

	beforeAll(async () => {
		t = await startTestApp();
		lesson = await createLesson(t, 3);
		teacher = new TestClient(t.url, lesson.token('teacher'));
		await teacher.joinLesson();
		for (let i = 0; i < STUDENTS; i++) {
			const { token } = await addStudent(t, lesson, i % 3, `Burst ${i}`);
			students.push(new TestClient(t.url, token));
		}
		for (let i = 0; i < STUDENTS; i += 50) await Promise.all(students.slice(i, i + 50).map((s) => s.joinLesson()));
	}, 120_000);
	afterAll(async () => {
		for (const c of [teacher, ...students]) c.close();
		await t.stop();
	});

	it(`${STUDENTS} answers in a burst: at most one notification per ${RESULTS_INTERVAL_MS} ms (+2), the last one exact`, async () => {
		const arrivals: { at: number; answered: number }[] = [];
		teacher.socket.on('polls.results', (n: PollResultsNotice) => {
			if (n.view === 'full') arrivals.push({ at: performance.now(), answered: n.results.answered });
		});
		const started = performance.now();
		const poll = await teacher.ok('poll.open', { spec: { kind: 'single', question: 'Burst?', options: ['a', 'b', 'c', 'd'] } });
		// Waves of 10 every 20 ms: unthrottled, each wave would be a notification of its own.
		const acks: Promise<unknown>[] = [];
		for (let wave = 0; wave * 10 < STUDENTS; wave++) {
			for (let i = wave * 10; i < Math.min(STUDENTS, wave * 10 + 10); i++) {
				acks.push(students[i]!.ok('poll.answer', { pollId: poll.id, answer: { kind: 'single', option: i % 4 } }));
			}
			await new Promise((r) => setTimeout(r, 20));
		}
		await Promise.all(acks);
		await waitFor(() => arrivals.at(-1)?.answered === STUDENTS || undefined, 10_000, 'the final results');
		// Nothing more is owed once the last answer is in: wait a few intervals to be sure.
		await new Promise((r) => setTimeout(r, 4 * RESULTS_INTERVAL_MS));
		const duration = (arrivals.at(-1)?.at ?? started) - started;
		const bound = Math.floor(duration / RESULTS_INTERVAL_MS) + 2;
		expect(arrivals.length).toBeGreaterThanOrEqual(1);
		expect(arrivals.length, `${arrivals.length} notifications in ${Math.round(duration)} ms`).toBeLessThanOrEqual(bound);
		expect(arrivals.at(-1)?.answered).toBe(STUDENTS);
		const last = teacher.all('polls.results').filter((n) => n.view === 'full').at(-1);
		expect(last?.view === 'full' && last.results.counts).toEqual([75, 75, 75, 75]);
		expect(last?.view === 'full' && last.results.classrooms.map((r) => r.answered)).toEqual([100, 100, 100]);
		expect(last?.view === 'full' && last.results.present).toBe(STUDENTS);
		expect(t.events.filter((e) => e.type === 'poll.answered')).toHaveLength(STUDENTS);
	}, 60_000);
});
