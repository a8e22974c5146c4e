import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECKS_API, type DeckInfo, type PollAnswer, type PollInfo, type PollResults, type PollSpecInput, type ClassroomPollView } from '../../protocol/index.ts';
import { makeDeck } from '../testing/pdfFixtures.ts';
import { addStudent, createLesson, startTestApp, TestClient, waitFor, type TestApp, type TestLesson } from '../../app/testing/harness.ts';
import { startRedisServer, type RedisServerHandle } from '../../core/testing/redisServer.ts';

const PER_ROOM = 6;

/** Polls end to end (real server, real socket.io clients), with state in memory and in a real redis-server. */
describe.each(['memory', 'redis'] as const)('polls (%s store)', (storeKind) => {
	let t: TestApp;
	let lesson: TestLesson;
	let redis: RedisServerHandle | undefined;
	let teacher: TestClient;
	let observer: TestClient;
	let rooms: TestClient[];
	let assistants: TestClient[];
	/** students[room][i]; student ids alongside. */
	let students: TestClient[][];
	let ids: string[][];
	const clients = () => [teacher, observer, ...rooms, ...assistants, ...students.flat()];

	beforeAll(async () => {
		if (storeKind === 'redis') redis = await startRedisServer();
		t = await startTestApp(redis ? { REDIS_URL: redis.url } : {});
		lesson = await createLesson(t, 2);
		teacher = new TestClient(t.url, lesson.token('teacher'));
		observer = new TestClient(t.url, lesson.token('observer'));
		rooms = [0, 1].map((i) => new TestClient(t.url, lesson.token('classroom', i)));
		assistants = [0, 1].map((i) => new TestClient(t.url, lesson.token('assistant', i)));
		students = [[], []];
		ids = [[], []];
		for (const room of [0, 1]) {
			for (let i = 0; i < PER_ROOM; i++) {
				const { id, token } = await addStudent(t, lesson, room, `Student ${room + 1}-${i + 1}`);
				students[room]!.push(new TestClient(t.url, token));
				ids[room]!.push(id);
			}
		}
		await Promise.all(clients().map((c) => c.joinLesson()));
	});
	afterAll(async () => {
		for (const c of clients()) c.close();
		await t.stop();
		await redis?.stop();
	});

	const student = (room: number, i: number) => students[room]![i]!;
	const open = (spec: PollSpecInput) => teacher.ok('poll.open', { spec });
	const answer = (client: TestClient, pollId: string, a: PollAnswer) => client.ok('poll.answer', { pollId, answer: a });
	/** The teacher's newest full results of a poll once `done` holds. */
	const fullResults = (pollId: string, done: (r: PollResults) => boolean, client = teacher) =>
		waitFor(() => {
			const all = client.all('polls.results').filter((n) => n.view === 'full' && n.results.pollId === pollId);
			const last = all.at(-1);
			return last && last.view === 'full' && done(last.results) ? last.results : undefined;
		}, 8000, `results of ${pollId}`);
	const classroomResults = (client: TestClient, pollId: string, done: (r: ClassroomPollView) => boolean) =>
		waitFor(() => {
			const last = client.all('polls.results').filter((n) => n.view === 'classroom' && n.results.pollId === pollId).at(-1);
			return last && last.view === 'classroom' && done(last.results) ? last.results : undefined;
		}, 8000, `room results of ${pollId}`);
	const eventsOf = (pollId: string, type?: string) =>
		t.events.filter((e) => (e.data as { pollId?: string }).pollId === pollId && (type === undefined || e.type === type));
	type ShownPoll = NonNullable<ReturnType<TestClient['latestSnapshot']>>['poll'];
	const snapshotPoll = async (client: TestClient, match: (p: ShownPoll) => boolean): Promise<ShownPoll> =>
		(
			await waitFor(() => {
				const poll = client.latestSnapshot()?.poll ?? null;
				return match(poll) ? { poll } : undefined;
			}, 8000, 'snapshot poll')
		).poll;

	it('a quiz across two rooms plus tallies gives the exact histogram and per-room breakdown; screens see it only after reveal', async () => {
		const poll = await open({ kind: 'single', question: 'Which is the largest?', options: ['1/2', '1/3', '1/4'], correct: 0 });
		const room1 = [0, 0, 1, 2, 0, 1];
		const room2 = [0, 2, 2, 1, 0, 0];
		await Promise.all([
			...room1.map((option, i) => answer(student(0, i), poll.id, { kind: 'single', option })),
			...room2.map((option, i) => answer(student(1, i), poll.id, { kind: 'single', option }))
		]);
		await assistants[0]!.ok('poll.tally', { pollId: poll.id, counts: [2, 0, 1] });
		await assistants[1]!.ok('poll.tally', { pollId: poll.id, classroomId: lesson.classroomIds[1], counts: [4, 1, 0] });

		const results = await fullResults(poll.id, (r) => r.answered === 12 && r.tally?.total === 8);
		const [c1, c2] = lesson.classroomIds;
		expect(results).toMatchObject({
			kind: 'single',
			status: 'open',
			present: 12,
			answered: 12,
			counts: [6, 3, 3],
			correct: 6,
			tally: { counts: [6, 1, 1], total: 8, correct: 6 },
			numeric: null,
			texts: null
		});
		expect(results.classrooms).toEqual([
			{ classroomId: c1, present: 6, answered: 6, counts: [3, 2, 1], correct: 3, tally: expect.objectContaining({ counts: [2, 0, 1], total: 3, correct: 2, by: 'assistant' }), withheld: false },
			{ classroomId: c2, present: 6, answered: 6, counts: [3, 1, 2], correct: 3, tally: expect.objectContaining({ counts: [4, 1, 0], total: 5, correct: 4, by: 'assistant' }), withheld: false }
		]);
		await fullResults(poll.id, (r) => r.answered === 12 && r.tally?.total === 8, observer);

		// The assistant sees their room only: counts, its tally, and that everyone present answered.
		const mine = await classroomResults(assistants[0]!, poll.id, (r) => r.classroom.answered === 6 && r.classroom.tally !== null);
		expect(mine).toMatchObject({ anonymous: false, notAnswered: [], classroom: { classroomId: c1, counts: [3, 2, 1], correct: 3 } });
		expect(JSON.stringify(assistants[0]!.all('polls.results'))).not.toContain(c2!);

		// Screens and phones: the question only, no counts, no right answer, no results notifications.
		const shown = await snapshotPoll(rooms[1]!, (p) => p?.id === poll.id);
		expect(shown).toMatchObject({ question: 'Which is the largest?', options: ['1/2', '1/3', '1/4'], status: 'open', revealed: false, correct: null, results: null });
		for (const c of [...rooms, ...students.flat()]) expect(c.all('polls.results')).toEqual([]);

		await teacher.ok('poll.close', { pollId: poll.id });
		const closed = await snapshotPoll(student(0, 0), (p) => p?.status === 'closed');
		expect(closed).toMatchObject({ revealed: false, correct: null, results: null });
		await teacher.ok('poll.reveal', { pollId: poll.id });
		const revealed = await snapshotPoll(student(1, 3), (p) => p?.revealed === true);
		expect(revealed).toMatchObject({
			correct: 0,
			results: { answered: 12, counts: [6, 3, 3], correct: 6, tally: { counts: [6, 1, 1], total: 8, correct: 6 }, numeric: null }
		});
		expect(JSON.stringify(revealed)).not.toContain(c1!);

		expect(eventsOf(poll.id, 'poll.answered')).toHaveLength(12);
		const byRoom = eventsOf(poll.id, 'poll.answered').filter((e) => e.classroomId === c2);
		expect(byRoom.map((e) => e.actor).sort()).toEqual([...ids[1]!].sort());
		expect(eventsOf(poll.id, 'poll.tallied').map((e) => [e.classroomId, e.data])).toEqual([
			[c1, { pollId: poll.id, counts: [2, 0, 1], total: 3 }],
			[c2, { pollId: poll.id, counts: [4, 1, 0], total: 5 }]
		]);
		expect(eventsOf(poll.id, 'poll.closed')[0]?.data).toEqual({ pollId: poll.id, by: 'teacher', answered: 12, results: expect.objectContaining({ pollId: poll.id, status: 'closed', answered: 12 }) });
		expect(eventsOf(poll.id, 'poll.revealed')[0]?.data).toEqual({ pollId: poll.id, answered: 12, correct: 6, results: expect.objectContaining({ pollId: poll.id, revealed: true, answered: 12, correct: 6 }) });
	});

	it('multiple choice scores whole sets; true/false counts [true, false]', async () => {
		const multi = await open({ kind: 'multiple', question: 'Which equal one half?', options: ['2/4', '1/3', '3/6', '2/3'], correct: [0, 2] });
		await answer(student(0, 0), multi.id, { kind: 'multiple', options: [0, 2] });
		const sorted = await answer(student(0, 1), multi.id, { kind: 'multiple', options: [2, 0] });
		expect(sorted.answer).toEqual({ kind: 'multiple', options: [0, 2] });
		await answer(student(1, 0), multi.id, { kind: 'multiple', options: [0] });
		const repeated = await student(1, 1).send('poll.answer', { pollId: multi.id, answer: { kind: 'multiple', options: [1, 1] } });
		expect(repeated).toMatchObject({ ok: false, error: { code: 'invalid' } });
		const outside = await student(1, 1).send('poll.answer', { pollId: multi.id, answer: { kind: 'multiple', options: [4] } });
		expect(outside).toMatchObject({ ok: false, error: { code: 'invalid' } });
		expect(await fullResults(multi.id, (r) => r.answered === 3)).toMatchObject({ counts: [3, 0, 2, 0], correct: 2 });
		await teacher.ok('poll.close', { pollId: multi.id });

		const tf = await open({ kind: 'truefalse', question: '1/2 = 2/4', correct: true });
		await answer(student(0, 0), tf.id, { kind: 'truefalse', value: true });
		await answer(student(0, 1), tf.id, { kind: 'truefalse', value: true });
		await answer(student(1, 0), tf.id, { kind: 'truefalse', value: false });
		await assistants[1]!.ok('poll.tally', { pollId: tf.id, counts: [3, 1] });
		const results = await fullResults(tf.id, (r) => r.answered === 3 && r.tally !== null);
		expect(results).toMatchObject({ counts: [2, 1], correct: 2, tally: { counts: [3, 1], total: 4, correct: 3 } });
		await teacher.ok('poll.close', { pollId: tf.id });
	});

	it('numeric answers get a value histogram and tolerance scoring; short text answers group by spelling for the teacher only', async () => {
		const num = await open({ kind: 'numeric', question: 'What is 1/2 as a decimal?', correct: { value: 0.5, tolerance: 0.01 } });
		for (const [i, value] of [0.5, 0.505, 2, 2].entries()) await answer(student(0, i), num.id, { kind: 'numeric', value });
		const tally = await assistants[0]!.send('poll.tally', { pollId: num.id, counts: [1, 2] });
		expect(tally).toMatchObject({ ok: false, error: { code: 'invalid' } });
		const numeric = await fullResults(num.id, (r) => r.answered === 4);
		expect(numeric).toMatchObject({ counts: [], correct: 2, texts: null });
		expect(numeric.numeric).toEqual({
			count: 4,
			mean: (0.5 + 0.505 + 4) / 4,
			median: (0.505 + 2) / 2,
			min: 0.5,
			max: 2,
			values: [
				{ value: 2, count: 2 },
				{ value: 0.5, count: 1 },
				{ value: 0.505, count: 1 }
			],
			otherValues: 0
		});
		await teacher.ok('poll.close', { pollId: num.id });

		const text = await open({ kind: 'text', question: 'Capital of China?', correct: ['Beijing'] });
		const trimmed = await answer(student(0, 0), text.id, { kind: 'text', text: '  bei   jing ' });
		expect(trimmed.answer).toEqual({ kind: 'text', text: 'bei jing' });
		await answer(student(0, 1), text.id, { kind: 'text', text: 'BEIJING' });
		await answer(student(1, 0), text.id, { kind: 'text', text: 'beijing' });
		await answer(student(1, 1), text.id, { kind: 'text', text: 'Shanghai' });
		const texts = await fullResults(text.id, (r) => r.answered === 4);
		expect(texts.correct).toBe(2);
		expect(texts.texts).toEqual({
			answers: [
				{ text: 'BEIJING', count: 2 },
				{ text: 'Shanghai', count: 1 },
				{ text: 'bei jing', count: 1 }
			],
			otherAnswers: 0
		});
		const room = await classroomResults(assistants[1]!, text.id, (r) => r.classroom.answered === 2);
		expect(JSON.stringify(room)).not.toContain('Shanghai');
		await teacher.ok('poll.close', { pollId: text.id });
		await teacher.ok('poll.reveal', { pollId: text.id });
		const revealed = await snapshotPoll(student(1, 2), (p) => p?.id === text.id && p.revealed);
		expect(revealed).toMatchObject({ correct: ['Beijing'], results: { answered: 4, correct: 2 } });
		expect(JSON.stringify(revealed)).not.toContain('Shanghai');
	});

	it('the same answer twice changes nothing; a changed answer replaces the old one only when the poll allows it', async () => {
		const free = await open({ kind: 'single', question: 'Free?', options: ['a', 'b'] });
		const s = student(0, 2);
		expect((await answer(s, free.id, { kind: 'single', option: 0 })).outcome).toBe('new');
		expect((await answer(s, free.id, { kind: 'single', option: 0 })).outcome).toBe('same');
		expect((await answer(s, free.id, { kind: 'single', option: 1 })).outcome).toBe('changed');
		expect(await fullResults(free.id, (r) => r.counts[1] === 1)).toMatchObject({ answered: 1, counts: [0, 1] });
		expect(eventsOf(free.id).map((e) => e.type)).toEqual(['poll.opened', 'poll.answered', 'poll.changed']);
		expect(eventsOf(free.id, 'poll.changed')[0]).toMatchObject({ actor: ids[0]![2], classroomId: lesson.classroomIds[0], data: { options: [1] } });
		await teacher.ok('poll.close', { pollId: free.id });

		const fixed = await open({ kind: 'single', question: 'Fixed?', options: ['a', 'b'], allowChange: false });
		await answer(s, fixed.id, { kind: 'single', option: 0 });
		expect((await answer(s, fixed.id, { kind: 'single', option: 0 })).outcome).toBe('same');
		const refused = await s.send('poll.answer', { pollId: fixed.id, answer: { kind: 'single', option: 1 } });
		expect(refused).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringContaining('does not allow') } });
		expect((await s.ok('poll.state', {})).mine).toEqual({ kind: 'single', option: 0 });
		expect(await fullResults(fixed.id, (r) => r.answered === 1)).toMatchObject({ counts: [1, 0] });
		expect(eventsOf(fixed.id, 'poll.answered')).toHaveLength(1);
		expect(eventsOf(fixed.id, 'poll.changed')).toHaveLength(0);
		await teacher.ok('poll.close', { pollId: fixed.id });
	});

	it('late, unknown-option, too-long and wrong-kind answers get a clear error and change nothing', async () => {
		const poll = await open({ kind: 'text', question: 'One word?' });
		await answer(student(1, 4), poll.id, { kind: 'text', text: 'half' });
		const before = await fullResults(poll.id, (r) => r.answered === 1);
		const eventsBefore = t.events.length;
		const long = await student(1, 5).send('poll.answer', { pollId: poll.id, answer: { kind: 'text', text: 'x'.repeat(201) } });
		expect(long).toMatchObject({ ok: false, error: { code: 'invalid', message: expect.stringContaining('200') } });
		const wrongKind = await student(1, 5).send('poll.answer', { pollId: poll.id, answer: { kind: 'single', option: 0 } });
		expect(wrongKind).toMatchObject({ ok: false, error: { code: 'invalid', message: expect.stringContaining('text poll') } });
		const unknown = await student(1, 5).send('poll.answer', { pollId: 'pol_nothere', answer: { kind: 'text', text: 'x' } });
		expect(unknown).toMatchObject({ ok: false, error: { code: 'not_found' } });
		await teacher.ok('poll.close', { pollId: poll.id });
		const late = await student(1, 5).send('poll.answer', { pollId: poll.id, answer: { kind: 'text', text: 'late' } });
		expect(late).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringContaining('closed') } });
		const changedLate = await student(1, 4).send('poll.answer', { pollId: poll.id, answer: { kind: 'text', text: 'quarter' } });
		expect(changedLate).toMatchObject({ ok: false, error: { code: 'conflict' } });
		const after = await fullResults(poll.id, (r) => r.status === 'closed');
		expect({ ...after, status: 'open' }).toEqual({ ...before, status: 'open' });
		expect(t.events.slice(eventsBefore).map((e) => e.type)).toEqual(['poll.closed']);

		const single = await open({ kind: 'single', question: 'Two options?', options: ['a', 'b'] });
		const outside = await student(0, 0).send('poll.answer', { pollId: single.id, answer: { kind: 'single', option: 2 } });
		expect(outside).toMatchObject({ ok: false, error: { code: 'invalid', message: expect.stringContaining('no option 2') } });
		expect(await t.app.store.pollAnswers(lesson.lesson.id, single.id)).toEqual([]);
		await teacher.ok('poll.close', { pollId: single.id });
	});

	it('a timer closes the poll on the server; answers after it are refused', async () => {
		const poll = await open({ kind: 'truefalse', question: 'Quick!', timerSeconds: 5 });
		expect(poll.closesAt).toBe((poll.openedAt ?? 0) + 5000);
		await answer(student(0, 3), poll.id, { kind: 'truefalse', value: true });
		const closed = await snapshotPoll(rooms[0]!, (p) => p?.id === poll.id && p.status === 'closed');
		expect(Date.now()).toBeGreaterThanOrEqual(poll.closesAt ?? 0);
		expect(closed?.closesAt).toBe(poll.closesAt);
		expect(eventsOf(poll.id, 'poll.closed')).toMatchObject([{ actor: 'system', data: { by: 'timer', answered: 1 } }]);
		const late = await student(0, 4).send('poll.answer', { pollId: poll.id, answer: { kind: 'truefalse', value: false } });
		expect(late).toMatchObject({ ok: false, error: { code: 'conflict' } });
		const info = (await teacher.ok('poll.state', {})).polls?.find((p) => p.id === poll.id);
		expect(info).toMatchObject({ status: 'closed', closedBy: 'timer' });
	}, 15_000);

	it('tallies: an assistant only for their own room, never a student or a room screen; the teacher names the room; none after reveal', async () => {
		const poll = await open({ kind: 'single', question: 'Hands up', options: ['yes', 'no', 'maybe'] });
		const [c1, c2] = lesson.classroomIds;
		const foreign = await assistants[0]!.send('poll.tally', { pollId: poll.id, classroomId: c2, counts: [1, 1, 1] });
		expect(foreign).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		expect(await student(0, 0).send('poll.tally', { pollId: poll.id, counts: [1, 1, 1] })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		expect(await rooms[0]!.send('poll.tally', { pollId: poll.id, counts: [1, 1, 1] })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		expect(await observer.send('poll.tally', { pollId: poll.id, counts: [1, 1, 1] })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		expect(await teacher.send('poll.tally', { pollId: poll.id, counts: [1, 1, 1] })).toMatchObject({ ok: false, error: { code: 'invalid' } });
		expect(await assistants[0]!.send('poll.tally', { pollId: poll.id, counts: [1, 1] })).toMatchObject({ ok: false, error: { code: 'invalid' } });
		expect(await t.app.store.tallies(lesson.lesson.id, poll.id)).toEqual([]);

		await teacher.ok('poll.tally', { pollId: poll.id, classroomId: c2, counts: [0, 2, 0] });
		await assistants[0]!.ok('poll.tally', { pollId: poll.id, counts: [5, 0, 0] });
		await assistants[0]!.ok('poll.tally', { pollId: poll.id, counts: [4, 1, 0] });
		await teacher.ok('poll.close', { pollId: poll.id });
		// A show of hands after the poll closed still counts until the results are revealed.
		await assistants[0]!.ok('poll.tally', { pollId: poll.id, counts: [4, 1, 1] });
		const results = await fullResults(poll.id, (r) => r.status === 'closed' && r.tally?.total === 8);
		expect(results.tally).toEqual({ counts: [4, 3, 1], total: 8, correct: null });
		expect(results.classrooms.map((r) => [r.classroomId, r.tally?.by])).toEqual([
			[c1, 'assistant'],
			[c2, 'teacher']
		]);
		expect(results.counts).toEqual([0, 0, 0]);
		await teacher.ok('poll.reveal', { pollId: poll.id });
		const late = await assistants[0]!.send('poll.tally', { pollId: poll.id, counts: [9, 9, 9] });
		expect(late).toMatchObject({ ok: false, error: { code: 'conflict' } });
	});

	it('only the teacher runs polls; observers and room screens cannot answer; one poll is open at a time', async () => {
		const poll = await open({ kind: 'single', question: 'Who may?', options: ['a', 'b'] });
		for (const name of ['poll.close', 'poll.reveal', 'poll.dismiss'] as const) {
			expect(await student(0, 0).send(name, { pollId: poll.id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
			// Assistants run polls only when a recorded lesson is taught in their room (app/classReplay.test.ts).
			expect(await assistants[0]!.send(name, { pollId: poll.id })).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringContaining('live lesson') } });
		}
		expect(await assistants[0]!.send('poll.open', { spec: { kind: 'truefalse', question: 'Mine?' } })).toMatchObject({ ok: false, error: { code: 'conflict' } });
		expect(await student(0, 0).send('poll.open', { spec: { kind: 'truefalse', question: 'Mine?' } })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		for (const c of [observer, rooms[0]!, assistants[0]!, teacher]) {
			expect(await c.send('poll.answer', { pollId: poll.id, answer: { kind: 'single', option: 0 } })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		}
		const second = await teacher.send('poll.open', { spec: { kind: 'truefalse', question: 'Second?' } });
		expect(second).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringContaining('close it first') } });
		expect(await teacher.send('poll.reveal', { pollId: poll.id })).toMatchObject({ ok: false, error: { code: 'conflict' } });
		expect(await teacher.send('poll.dismiss', { pollId: poll.id })).toMatchObject({ ok: false, error: { code: 'conflict' } });
		expect((await teacher.ok('poll.state', {})).polls?.filter((p) => p.status === 'open')).toHaveLength(1);
		await teacher.ok('poll.close', { pollId: poll.id });
		await teacher.ok('poll.close', { pollId: poll.id });
		expect(eventsOf(poll.id, 'poll.closed')).toHaveLength(1);
		await teacher.ok('poll.dismiss', { pollId: poll.id });
		await snapshotPoll(rooms[1]!, (p) => p === null);
		expect(eventsOf(poll.id, 'poll.dismissed')).toHaveLength(1);
	});

	it("an assistant sees who in their room has not answered yet; poll.state gives each role its own view", async () => {
		const poll = await open({ kind: 'single', question: 'Ready?', options: ['yes', 'no'] });
		await answer(student(0, 0), poll.id, { kind: 'single', option: 0 });
		await answer(student(0, 1), poll.id, { kind: 'single', option: 1 });
		const view = await classroomResults(assistants[0]!, poll.id, (r) => r.classroom.answered === 2);
		expect(view.notAnswered?.map((s) => s.participantId).sort()).toEqual(ids[0]!.slice(2).sort());
		expect(view.notAnswered?.[0]?.displayName).toMatch(/^Student 1-/);

		const [tState, aState, rState, sState, oState] = await Promise.all([
			teacher.ok('poll.state', {}),
			assistants[0]!.ok('poll.state', {}),
			rooms[0]!.ok('poll.state', {}),
			student(0, 1).ok('poll.state', {}),
			observer.ok('poll.state', {})
		]);
		expect(tState.current?.id).toBe(poll.id);
		expect(tState.results).toMatchObject({ view: 'full', results: { answered: 2 } });
		expect(tState.polls?.map((p) => p.id)).toContain(poll.id);
		expect(aState.results).toMatchObject({ view: 'classroom', results: { classroom: { answered: 2 } } });
		expect(aState.polls).toBeNull();
		expect(rState).toMatchObject({ current: { id: poll.id, results: null }, mine: null, polls: null, results: null });
		expect(sState).toMatchObject({ current: { id: poll.id }, mine: { kind: 'single', option: 1 }, polls: null, results: null });
		expect(oState.results).toMatchObject({ view: 'full' });
		await teacher.ok('poll.close', { pollId: poll.id });
	});

	it('prepared polls: made before, edited, tied to a slide page, listed for the teacher, opened later; only drafts are discarded', async () => {
		const draft = await teacher.ok('poll.prepare', { spec: { kind: 'truefalse', question: 'Prepared?' } });
		expect(draft).toMatchObject({ status: 'draft', prepared: true, openedAt: null });
		const edited = await teacher.ok('poll.prepare', { pollId: draft.id, spec: { kind: 'truefalse', question: 'Prepared, edited?', correct: false } });
		expect(edited.spec).toMatchObject({ question: 'Prepared, edited?', correct: false });
		const list = await teacher.next('polls.list', (l: PollInfo[]) => l.some((p) => p.spec.question === 'Prepared, edited?'));
		expect(list.find((p) => p.id === draft.id)?.status).toBe('draft');
		expect(JSON.stringify(list)).not.toContain('anonKey');
		const noDeck = await teacher.send('poll.prepare', { spec: { kind: 'truefalse', question: 'On a slide', slide: { deckId: 'dk_missing', page: 1 } } });
		expect(noDeck).toMatchObject({ ok: false, error: { code: 'not_found' } });
		const upload = await fetch(`${t.url}${DECKS_API}?name=halves.pdf`, {
			method: 'POST',
			headers: { authorization: `Bearer ${lesson.token('teacher')}`, 'content-type': 'application/pdf' },
			body: await makeDeck(['Page 1', 'Page 2'])
		});
		const deck = (await upload.json()) as DeckInfo;
		const onSlide = await teacher.ok('poll.prepare', { spec: { kind: 'truefalse', question: 'On page 2', slide: { deckId: deck.id, page: 2 } } });
		expect(onSlide.spec.slide).toEqual({ deckId: deck.id, page: 2 });
		const pastEnd = await teacher.send('poll.prepare', { spec: { kind: 'truefalse', question: 'On page 3', slide: { deckId: deck.id, page: 3 } } });
		expect(pastEnd).toMatchObject({ ok: false, error: { code: 'invalid', message: expect.stringContaining('no page 3') } });
		const spare = await teacher.ok('poll.prepare', { spec: { kind: 'numeric', question: 'Spare?' } });
		await teacher.ok('poll.discard', { pollId: spare.id });
		expect(await teacher.send('poll.discard', { pollId: spare.id })).toMatchObject({ ok: false, error: { code: 'not_found' } });

		const opened = await teacher.ok('poll.open', { pollId: draft.id });
		expect(opened).toMatchObject({ id: draft.id, status: 'open', prepared: true });
		expect(eventsOf(draft.id, 'poll.opened')[0]?.data).toMatchObject({ prepared: true, quiz: true, kind: 'truefalse' });
		expect(await teacher.send('poll.discard', { pollId: draft.id })).toMatchObject({ ok: false, error: { code: 'conflict' } });
		expect(await teacher.send('poll.prepare', { pollId: draft.id, spec: { kind: 'truefalse', question: 'x' } })).toMatchObject({ ok: false, error: { code: 'conflict' } });
		await teacher.ok('poll.close', { pollId: draft.id });
		expect(await teacher.send('poll.open', { pollId: draft.id })).toMatchObject({ ok: false, error: { code: 'conflict' } });
	});

	it('refuses malformed poll specs: too long, too many options, duplicate options, a right answer out of range', async () => {
		const bad: unknown[] = [
			{ kind: 'single', question: 'q'.repeat(301), options: ['a', 'b'] },
			{ kind: 'single', question: 'Nine?', options: ['1', '2', '3', '4', '5', '6', '7', '8', '9'] },
			{ kind: 'single', question: 'One?', options: ['only'] },
			{ kind: 'single', question: 'Long option?', options: ['a', 'b'.repeat(101)] },
			{ kind: 'single', question: 'Same?', options: ['Yes', 'yes'] },
			{ kind: 'single', question: 'Right?', options: ['a', 'b'], correct: 2 },
			{ kind: 'truefalse', question: 'Timer?', timerSeconds: 1 },
			{ kind: 'poll', question: 'Kind?' }
		];
		for (const spec of bad) {
			const ack = await teacher.raw('poll.open', { spec });
			expect(ack, JSON.stringify(spec).slice(0, 60)).toMatchObject({ ok: false, error: { code: 'invalid' } });
		}
		expect((await t.app.store.liveState(lesson.lesson.id)).currentPollId).not.toBeNull();
		expect((await t.app.store.polls(lesson.lesson.id)).every((p) => p.status !== 'open')).toBe(true);
	});

	it('rate-limits a student flipping an answer back and forth', async () => {
		const poll = await open({ kind: 'truefalse', question: 'Flip?' });
		const codes: string[] = [];
		for (let i = 0; i < 14; i++) {
			const ack = await student(1, 5).send('poll.answer', { pollId: poll.id, answer: { kind: 'truefalse', value: i % 2 === 0 } });
			codes.push(ack.ok ? ack.data.outcome : ack.error.code);
		}
		expect(codes.slice(0, 3)).toEqual(['new', 'changed', 'changed']);
		expect(codes).toContain('rate_limited');
		await teacher.ok('poll.close', { pollId: poll.id });
	});
});
