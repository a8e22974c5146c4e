import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../core/EventBus.ts';
import { AnalyticsService } from './AnalyticsService.ts';
import { MemoryCatalog } from './testing/MemoryCatalog.ts';

/**
 * Right after a lesson ends, staff see its figures: the overview's student count and the export's
 * rows come from the lesson's summary, which is made moments after `lesson.ended`, not minutes later
 * on the settle timer (here an hour away).
 */
describe('analytics right after a lesson ends', () => {
	let dir: string;
	let analytics: AnalyticsService;
	const bus = new EventBus();
	let room: string;

	beforeAll(async () => {
		dir = await mkdtemp(path.join(tmpdir(), 'cb-analytics-end-'));
		const catalog = new MemoryCatalog();
		room = catalog.addClassroom(catalog.addSchool('Hillside', 'rural').id, 'Grade 5').id;
		analytics = await AnalyticsService.open({
			file: ':memory:',
			exportDir: path.join(dir, 'exports'),
			flushMs: 50,
			batchSize: 500,
			settleMs: 3_600_000,
			retentionDays: null,
			homePage: 'http://classbridge.test',
			secret: new Uint8Array(32).fill(5),
			catalog,
			signApiToken: async (id) => id
		});
		bus.on('event', (e) => analytics.ingest(e));
	});
	afterAll(async () => {
		await analytics.close();
		await rm(dir, { recursive: true, force: true });
	});

	it('counts the students in the lesson list within seconds of the end, with no settle call', async () => {
		const at = Date.now() - 10 * 60_000;
		const teacher = { actor: 'teacher-1', role: 'teacher' as const, classroomId: null };
		bus.publish('les_end', 'participant.joined', teacher, { displayName: 'T', rejoin: false, joinedAt: at }, at);
		for (const [i, id] of ['stu_a', 'stu_b', 'stu_c'].entries()) {
			bus.publish('les_end', 'participant.joined', { actor: id, role: 'student', classroomId: room }, { displayName: id, rejoin: false, joinedAt: at + i }, at + 1000 + i);
		}
		const students = async () => (await analytics.lessons({})).lessons.find((l) => l.lessonId === 'les_end')?.students ?? -1;
		// While the lesson runs, the summary waits (it settles on the timer): this is what the fix changes at the end.
		expect(await students()).toBe(0);
		bus.publish('les_end', 'lesson.ended', teacher, {}, Date.now());
		await expect.poll(students, { timeout: 10_000, interval: 200 }).toBe(3);
	});
});
