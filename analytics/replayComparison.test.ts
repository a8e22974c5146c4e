import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCatalog } from './testing/MemoryCatalog.ts';
import { EventBus } from '../core/EventBus.ts';
import type { PollResults } from '../protocol/index.ts';
import { AnalyticsService } from './AnalyticsService.ts';

const MIN = 60_000;

/**
 * A lesson taken live by two rooms and replayed in class by a third: the lesson's dashboard sets
 * the replayed room's participation and accuracy per recorded poll beside the live rooms', and the
 * replayed session's own dashboard names the lesson it replayed.
 */
describe('analytics: live and replayed rooms', () => {
	let catalog: MemoryCatalog;
	let analytics: AnalyticsService;
	const bus = new EventBus();
	const rooms: Record<string, string> = {};
	const students: Record<string, string[]> = {};
	const start = Date.UTC(2026, 2, 2, 8, 0, 0);

	function session(lessonId: string, at: number, pollIds: string[], answers: Record<string, boolean[]>) {
		for (const [room, rights] of Object.entries(answers)) {
			for (const [i, id] of (students[room] ?? []).entries()) {
				if (i >= rights.length + 1) continue;
				bus.publish(lessonId, 'participant.joined', { actor: id, role: 'student', classroomId: rooms[room]! }, { displayName: id, rejoin: false, joinedAt: at }, at);
			}
		}
		for (const [n, pollId] of pollIds.entries()) {
			const opened = at + (n + 1) * MIN;
			bus.publish(lessonId, 'poll.opened', { actor: 'system', role: 'system', classroomId: null }, {
				pollId, kind: 'single', question: `q${n + 1}`, options: ['x', 'y'], anonymous: false, quiz: true, allowChange: true, timerSeconds: null,
				prepared: true, slide: null, openedAt: opened, closesAt: null
			}, opened);
			for (const [room, rights] of Object.entries(answers)) {
				for (const [i, right] of rights.entries()) {
					const actor = students[room]![i]!;
					bus.publish(lessonId, 'poll.answered', { actor, role: 'student', classroomId: rooms[room]! }, { pollId, anonymous: false, options: [right ? 1 : 0], value: null, textLength: null, correct: right }, opened + 10_000);
				}
			}
			bus.publish(lessonId, 'poll.closed', { actor: 'system', role: 'system', classroomId: null }, { pollId, by: 'teacher', answered: 0, results: { pollId } as PollResults }, opened + 30_000);
		}
	}

	beforeAll(async () => {
		catalog = new MemoryCatalog();
		const urban = catalog.addSchool('Central', 'urban');
		const rural = catalog.addSchool('Hillside', 'rural');
		rooms.live1 = catalog.addClassroom(urban.id, 'Live A').id;
		rooms.live2 = catalog.addClassroom(rural.id, 'Live B').id;
		rooms.replay = catalog.addClassroom(rural.id, 'Village').id;
		for (const room of ['live1', 'live2', 'replay']) students[room] = catalog.addStudents(rooms[room]!, ['s1', 's2', 's3', 's4'].map((s) => `${room}-${s}`), true).map((s) => s.id);
		catalog.addLesson({ id: 'les_live', title: 'Fractions', classroomIds: [rooms.live1, rooms.live2] });
		catalog.addLesson({ id: 'les_replay', title: 'Fractions', classroomIds: [rooms.replay], replayOf: 'les_live' });
		catalog.addLesson({ id: 'les_other', title: 'Other', classroomIds: [rooms.replay] });
		analytics = await AnalyticsService.open({
			file: ':memory:',
			exportDir: '/tmp/cb-analytics-replay-exports',
			flushMs: 20,
			batchSize: 500,
			settleMs: 3_600_000,
			retentionDays: null,
			homePage: 'http://classbridge.test',
			secret: new Uint8Array(32).fill(5),
			catalog,
			signApiToken: async (id) => id
		});
		bus.on('event', (e) => analytics.ingest(e));
		session('les_live', start, ['pol_1', 'pol_2'], { live1: [true, true, true, true], live2: [true, false, false, false] });
		// The replay reached only the first poll (it stopped there); 3 of 4 answered, 2 right; plus a quick poll of its own.
		session('les_replay', start + 86_400_000, ['pol_1', 'pol_quick'], { replay: [true, true, false] });
		// Another lesson of the same room with a poll of the same id is not a replay.
		session('les_other', start + 2 * 86_400_000, ['pol_1'], { replay: [false] });
		await analytics.settle(true);
	});
	afterAll(() => analytics.close());

	it('the lesson page sets the replayed room beside the live rooms, per recorded poll', async () => {
		const board = await analytics.dashboard('les_live');
		expect(board.replayOf).toBeNull();
		expect(board.polls.map((p) => p.pollId)).toEqual(['pol_1', 'pol_2']);
		expect(board.polls[0]!.rooms.map((r) => [r.answered, r.correct])).toEqual([[4, 4], [4, 1]]);
		expect(board.replays).toHaveLength(1);
		const run = board.replays![0]!;
		expect(run).toMatchObject({ lessonId: 'les_replay', classroom: { classroomId: rooms.replay, name: 'Village', locale: 'rural' } });
		// Only the recorded polls, and only those the replay reached.
		expect(run.polls).toHaveLength(1);
		expect(run.polls[0]).toMatchObject({ pollId: 'pol_1', eligible: 4, answered: 3, correct: 2, participation: 0.75 });
		expect(run.polls[0]!.accuracy).toBeCloseTo(2 / 3);
	});

	it('the replayed session names the lesson it replayed, and has no replays of its own', async () => {
		const board = await analytics.dashboard('les_replay');
		expect(board.replayOf).toEqual({ lessonId: 'les_live', title: 'Fractions' });
		expect(board.replays).toEqual([]);
		expect(board.polls.map((p) => p.pollId)).toEqual(['pol_1', 'pol_quick']);
		expect((await analytics.dashboard('les_other')).replayOf).toBeNull();
	});
});
