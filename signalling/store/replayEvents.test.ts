import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStudent, createLesson, startTestApp, TestClient, waitFor, type TestApp, type TestLesson } from '../../app/testing/harness.ts';
import { MemoryLessonStore } from './MemoryLessonStore.ts';
import { replayableState, replayEvents } from './replayEvents.ts';

/**
 * The event stream is the lesson: a scripted lesson's events, replayed into a fresh store, give
 * the state the live store holds (presence, hands, chat and questions, switches, stage, what is
 * shown and who may draw, the polls).
 */
describe('replaying a lesson from its events', () => {
	let t: TestApp;
	let lesson: TestLesson;
	const clients: TestClient[] = [];
	const connect = async (token: string) => {
		const client = new TestClient(t.url, token);
		clients.push(client);
		await client.joinLesson();
		return client;
	};

	beforeAll(async () => {
		t = await startTestApp();
		lesson = await createLesson(t, 2);
	});
	afterAll(async () => {
		for (const c of clients) c.close();
		await t.stop();
	});

	it('gives the live store’s state', async () => {
		const teacher = await connect(lesson.token('teacher'));
		await connect(lesson.token('observer'));
		const room1 = await connect(lesson.token('classroom', 0));
		await connect(lesson.token('classroom', 1));
		const assistant1 = await connect(lesson.token('assistant', 0));
		const pupils = await Promise.all(['Li Wei', 'Wang Fang', 'Zhang Min'].map((name, i) => addStudent(t, lesson, i % 2, name)));
		const [wei, fang, min] = await Promise.all(pupils.map((p) => connect(p.token)));

		await room1.ok('hand.raise', {});
		await wei!.ok('hand.raise', {});
		await fang!.ok('hand.raise', {});
		await teacher.ok('hand.lower', { participantId: room1.join?.self.id });
		await teacher.ok('chat.send', { text: 'Good morning, everyone' });
		await assistant1.ok('chat.send', { text: 'Room 1 is ready' });
		await teacher.ok('lesson.setStudentChat', { mode: 'questions' });
		await min!.ok('chat.send', { text: 'Is 1/2 bigger than 1/3?' });
		await teacher.ok('chat.setMuted', { muted: true });
		await teacher.ok('stage.set', { classroomId: lesson.classroomIds[1]! });
		await teacher.ok('media.setAudioOnly', { classroomId: lesson.classroomIds[0]!, audioOnly: true });
		const board = await teacher.ok('board.addBlank', {});
		await teacher.ok('surface.show', { view: { kind: 'blank', boardId: board.id } });
		await teacher.ok('board.setDrawer', { participantId: fang!.join!.self.id, canDraw: true });
		await teacher.ok('board.setDrawer', { participantId: room1.join!.self.id, canDraw: true });
		await teacher.ok('board.setDrawer', { participantId: room1.join!.self.id, canDraw: false });

		const prepared = await teacher.ok('poll.prepare', { spec: { kind: 'truefalse', question: 'Is 1/2 > 1/3?' } });
		const discarded = await teacher.ok('poll.prepare', { spec: { kind: 'truefalse', question: 'Not this one' } });
		await teacher.ok('poll.discard', { pollId: discarded.id });
		await teacher.ok('poll.open', { pollId: prepared.id });
		await wei!.ok('poll.answer', { pollId: prepared.id, answer: { kind: 'truefalse', value: true } });
		await min!.ok('poll.answer', { pollId: prepared.id, answer: { kind: 'truefalse', value: false } });
		await teacher.ok('poll.close', { pollId: prepared.id });
		await teacher.ok('poll.reveal', { pollId: prepared.id });
		await teacher.ok('poll.dismiss', { pollId: prepared.id });
		const adHoc = await teacher.ok('poll.open', { spec: { kind: 'single', question: 'Which is biggest?', options: ['1/2', '1/3', '1/4'] } });
		await fang!.ok('poll.answer', { pollId: adHoc.id, answer: { kind: 'single', option: 0 } });

		// A phone drops: it shows offline and keeps its place for the reconnect grace.
		min!.close();
		const lessonId = lesson.lesson.id;
		await waitFor(async () => (await t.app.store.participants(lessonId)).some((p) => p.id === min!.join?.self.id && !p.online) || undefined, 8000, 'the phone offline');

		const replayed = new MemoryLessonStore();
		await replayEvents(replayed, lessonId, t.events.filter((e) => e.lessonId === lessonId));
		const live = await replayableState(t.app.store, lessonId);
		const rebuilt = await replayableState(replayed, lessonId);

		// The script did reach every part of the state the comparison covers.
		expect(live.participants).toHaveLength(7);
		expect(live.participants.filter((p) => !p.online)).toHaveLength(1);
		expect(live.hands).toHaveLength(2);
		expect(live.chat.map((m) => m.question)).toEqual([false, false, true]);
		expect(live.switches).toMatchObject({ chatMuted: true, studentChat: 'questions', stage: lesson.classroomIds[1], currentPollId: adHoc.id });
		expect(live.surface?.drawers).toEqual([fang!.join!.self.id]);
		expect(live.polls.map((p) => p.status).sort()).toEqual(['closed', 'open']);
		expect(rebuilt).toEqual(live);
	});
});
