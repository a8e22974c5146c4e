import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS_ACTOR } from '../../protocol/index.ts';
import { MemoryLessonStore } from '../store/MemoryLessonStore.ts';
import { addStudent, createLesson, startTestApp, TestClient, waitFor, type TestApp, type TestLesson } from '../../app/testing/harness.ts';
import { startRedisServer, type RedisServerHandle } from '../../core/testing/redisServer.ts';

/**
 * An anonymous poll keeps no trace of who answered: not in the store (memory or Redis, read raw),
 * not in events, not in anything the teacher, observers or assistants receive.
 */
describe.each(['memory', 'redis'] as const)('anonymous polls (%s store)', (storeKind) => {
	let t: TestApp;
	let lesson: TestLesson;
	let redis: RedisServerHandle | undefined;
	let raw: Redis | undefined;
	let teacher: TestClient;
	let observer: TestClient;
	let assistant: TestClient;
	let room: TestClient;
	const students: TestClient[] = [];
	const studentIds: string[] = [];

	beforeAll(async () => {
		if (storeKind === 'redis') {
			redis = await startRedisServer();
			raw = new Redis(redis.url);
		}
		t = await startTestApp(redis ? { REDIS_URL: redis.url } : {});
		lesson = await createLesson(t, 2);
		teacher = new TestClient(t.url, lesson.token('teacher'));
		observer = new TestClient(t.url, lesson.token('observer'));
		assistant = new TestClient(t.url, lesson.token('assistant', 0));
		room = new TestClient(t.url, lesson.token('classroom', 0));
		// Two students in each room, and a fifth in room 0 who answers only in the second poll.
		for (let i = 0; i < 5; i++) {
			const { id, token } = await addStudent(t, lesson, i === 4 ? 0 : i % 2, `Anon ${i}`);
			studentIds.push(id);
			students.push(new TestClient(t.url, token));
		}
		await Promise.all([teacher, observer, assistant, room, ...students].map((c) => c.joinLesson()));
	});
	afterAll(async () => {
		for (const c of [teacher, observer, assistant, room, ...students]) c.close();
		await t.stop();
		raw?.disconnect();
		await redis?.stop();
	});

	/** Everything the store keeps about polls, as text. */
	async function storedPollData(): Promise<string> {
		if (t.app.store instanceof MemoryLessonStore) {
			const dump = JSON.parse(t.app.store.dump(lesson.lesson.id)) as { polls: unknown };
			return JSON.stringify(dump.polls);
		}
		const keys = (await raw!.keys('*')).filter((k) => k.includes(':poll'));
		const parts = await Promise.all(
			keys.map(async (key) => {
				const type = await raw!.type(key);
				if (type === 'hash') return [key, await raw!.hgetall(key)];
				if (type === 'list') return [key, await raw!.lrange(key, 0, -1)];
				if (type === 'string') return [key, await raw!.get(key)];
				return [key, type];
			})
		);
		return JSON.stringify(parts);
	}

	const expectNoStudentIn = (text: string, where: string) => {
		for (const id of studentIds) expect(text.includes(id), `${where} names ${id}`).toBe(false);
	};

	it('stores, publishes and shows answers without anyone’s id, yet one answer per student', async () => {
		const poll = await teacher.ok('poll.open', { spec: { kind: 'single', question: 'How did today go?', options: ['well', 'so so', 'lost'], anonymous: true } });
		const answers = [0, 1, 2, 0];
		for (const [i, option] of answers.entries()) await students[i]!.ok('poll.answer', { pollId: poll.id, answer: { kind: 'single', option } });
		// Twice the same: nothing changes. A change is allowed and replaces the answer.
		expect((await students[0]!.ok('poll.answer', { pollId: poll.id, answer: { kind: 'single', option: 0 } })).outcome).toBe('same');
		expect((await students[3]!.ok('poll.answer', { pollId: poll.id, answer: { kind: 'single', option: 1 } })).outcome).toBe('changed');
		// A student still gets their own answer back while the poll is open.
		expect((await students[2]!.ok('poll.state', {})).mine).toEqual({ kind: 'single', option: 2 });

		await waitFor(async () => (await t.app.store.pollAnswers(lesson.lesson.id, poll.id)).length === 4 || undefined);
		const open = await storedPollData();
		expectNoStudentIn(open, 'the store while open');
		expect((await t.app.store.poll(lesson.lesson.id, poll.id))?.anonKey).toMatch(/^[0-9a-f]{64}$/);

		const full = await waitFor(() => {
			const last = teacher.all('polls.results').filter((n) => n.view === 'full' && n.results.pollId === poll.id).at(-1);
			return last?.view === 'full' && last.results.answered === 4 ? last.results : undefined;
		});
		expect(full.counts).toEqual([1, 2, 1]);
		// Two answers per room: no room's own figures, but the pool of four counts in the totals.
		expect(full.withheld).toBe(false);
		for (const r of full.classrooms) expect(r).toMatchObject({ withheld: true, answered: 0, counts: [0, 0, 0], correct: null });
		const classroomView = await waitFor(() => {
			const last = assistant.all('polls.results').filter((n) => n.view === 'classroom' && n.results.pollId === poll.id).at(-1);
			return last?.view === 'classroom' && last.results.classroom.withheld ? last.results : undefined;
		});
		expect(classroomView).toMatchObject({ anonymous: true, notAnswered: null, classroom: { present: 3, answered: 0, counts: [0, 0, 0], withheld: true } });
		// No answer is an event while the poll is open: their times would tell who answered when.
		expect(t.events.filter((e) => (e.data as { pollId?: string }).pollId === poll.id && e.type !== 'poll.opened')).toEqual([]);

		await teacher.ok('poll.close', { pollId: poll.id });
		await teacher.ok('poll.reveal', { pollId: poll.id });
		await waitFor(() => room.latestSnapshot()?.poll?.revealed || undefined);

		const closed = await storedPollData();
		expectNoStudentIn(closed, 'the store after close');
		expect((await t.app.store.poll(lesson.lesson.id, poll.id))?.anonKey).toBeNull();
		expect(closed).not.toMatch(/anonKey"?:"?[0-9a-f]{64}/);
		// With the key gone, not even a student's own answer can be found again.
		expect((await students[2]!.ok('poll.state', {})).mine).toBeNull();

		const pollEvents = t.events.filter((e) => (e.data as { pollId?: string }).pollId === poll.id);
		expectNoStudentIn(JSON.stringify(pollEvents), 'the events');
		const answered = pollEvents.filter((e) => e.type === 'poll.answered' || e.type === 'poll.changed');
		const closedAt = pollEvents.find((e) => e.type === 'poll.closed')?.at;
		// One event per final answer, all at the close time, none naming a room with fewer than three.
		expect(answered).toHaveLength(4);
		for (const e of answered) {
			expect(e).toMatchObject({ type: 'poll.answered', actor: ANONYMOUS_ACTOR, role: 'student', classroomId: null, at: closedAt, data: { anonymous: true } });
		}
		expect(answered.map((e) => (e.data as { options: number[] }).options[0]).sort()).toEqual([0, 1, 1, 2]);

		for (const [who, client] of [['teacher', teacher], ['observer', observer], ['assistant', assistant], ['room', room]] as const) {
			const pollTraffic = client.received.filter((r) => r.name.startsWith('polls.')).map((r) => r.payload);
			const shown = client.all('lesson.snapshot').map((s) => s.poll);
			const state = await client.ok('poll.state', {});
			expectNoStudentIn(JSON.stringify([pollTraffic, shown, state]), `what the ${who} got`);
		}
	});

	it('shows a room with three answers as itself; a lone answer in another room is in no figure and no event', async () => {
		const poll = await teacher.ok('poll.open', { spec: { kind: 'truefalse', question: 'Is 3/6 = 1/2?', correct: true, anonymous: true } });
		// Room 0: students 0, 2 and 4. Room 1: student 1 alone.
		for (const [i, value] of [[0, true], [2, true], [4, false], [1, false]] as const) {
			await students[i]!.ok('poll.answer', { pollId: poll.id, answer: { kind: 'truefalse', value } });
		}
		const full = await waitFor(() => {
			const last = teacher.all('polls.results').filter((n) => n.view === 'full' && n.results.pollId === poll.id).at(-1);
			return last?.view === 'full' && last.results.classrooms.some((r) => r.withheld) && last.results.answered === 3 ? last.results : undefined;
		});
		expect(full).toMatchObject({ answered: 3, counts: [2, 1], correct: 2, withheld: true });
		const [room0, room1] = lesson.classroomIds.map((id) => full.classrooms.find((r) => r.classroomId === id));
		expect(room0).toMatchObject({ withheld: false, answered: 3, counts: [2, 1], correct: 2 });
		expect(room1).toMatchObject({ withheld: true, answered: 0, counts: [0, 0], correct: null });

		await teacher.ok('poll.close', { pollId: poll.id });
		const closed = await teacher.ok('poll.reveal', { pollId: poll.id });
		expect(closed.status).toBe('closed');
		const revealed = await waitFor(() => (room.latestSnapshot()?.poll?.id === poll.id && room.latestSnapshot()?.poll?.results ? room.latestSnapshot()!.poll!.results! : undefined));
		expect(revealed).toMatchObject({ answered: 3, counts: [2, 1], withheld: true });
		const answered = t.events.filter((e) => e.type === 'poll.answered' && (e.data as { pollId: string }).pollId === poll.id);
		expect(answered).toHaveLength(3);
		for (const e of answered) expect(e.classroomId).toBe(lesson.classroomIds[0]);
	});
});
