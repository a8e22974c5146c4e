import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LessonSnapshot } from '../../protocol/index.ts';
import { addStudent, createLesson, startTestApp, TestClient, waitFor, type TestApp, type TestLesson } from '../../app/testing/harness.ts';

/** Each room's screen and assistant see their own room: its join code and its students, no other school's. */
describe('what each audience of the lesson snapshot sees', () => {
	let t: TestApp;
	let lesson: TestLesson;
	let teacher: TestClient;
	let screenA: TestClient;
	let assistantA: TestClient;
	let studentA: TestClient;
	let studentB: TestClient;
	const clients = () => [teacher, screenA, assistantA, studentA, studentB];
	beforeAll(async () => {
		t = await startTestApp();
		lesson = await createLesson(t, 2);
		await t.app.store.setStudentChat(lesson.lesson.id, 'chat');
		teacher = new TestClient(t.url, lesson.token('teacher'));
		screenA = new TestClient(t.url, lesson.token('classroom', 0));
		assistantA = new TestClient(t.url, lesson.token('assistant', 0));
		studentA = new TestClient(t.url, (await addStudent(t, lesson, 0, 'An Ping')).token);
		studentB = new TestClient(t.url, (await addStudent(t, lesson, 1, 'Bo Hua')).token);
		for (const c of clients()) await c.joinLesson();
		await studentB.ok('hand.raise', {});
		await studentA.ok('hand.raise', {});
		await waitFor(() => (teacher.latestSnapshot()?.hands.length === 2 ? true : undefined));
	});
	afterAll(async () => {
		for (const c of clients()) c.close();
		await t.stop();
	});

	const [roomA, roomB] = [0, 1];
	const codes = (s: LessonSnapshot) => s.classrooms.map((c) => c.joinCode);
	const names = (s: LessonSnapshot) => s.participants.filter((p) => p.role === 'student').map((p) => p.displayName).sort();
	const handNames = (s: LessonSnapshot) => s.hands.map((h) => h.displayName).sort();

	it('the teacher sees every room, every code and every student', async () => {
		const snap = await waitFor(() => teacher.latestSnapshot());
		expect(codes(snap)).toEqual([lesson.joinCode(roomA), lesson.joinCode(roomB)]);
		expect(names(snap)).toEqual(['An Ping', 'Bo Hua']);
		expect(handNames(snap)).toEqual(['An Ping', 'Bo Hua']);
	});

	it("a room's screen and assistant get only their own join code and their own students, from the join on", async () => {
		for (const client of [screenA, assistantA]) {
			expect(codes(client.join!.lesson)).toEqual([lesson.joinCode(roomA), '']);
			const snap = await waitFor(() => client.latestSnapshot());
			expect(codes(snap)).toEqual([lesson.joinCode(roomA), '']);
			expect(names(snap)).toEqual(['An Ping']);
			expect(handNames(snap)).toEqual(['An Ping']);
			for (const { payload } of client.received.filter((r) => r.name === 'lesson.snapshot')) {
				expect(JSON.stringify(payload)).not.toContain('Bo Hua');
				expect(JSON.stringify(payload)).not.toContain(lesson.joinCode(roomB));
			}
		}
		// A room that joins once the students are in is told only of its own from the start.
		const late = new TestClient(t.url, lesson.token('assistant', 0));
		const joined = await late.joinLesson();
		expect(names(joined.lesson)).toEqual(['An Ping']);
		expect(codes(joined.lesson)).toEqual([lesson.joinCode(roomA), '']);
		late.close();
	});

	it("a phone gets no other students and no other room's code", async () => {
		const snap = await waitFor(() => studentB.latestSnapshot());
		expect(codes(snap)).toEqual(['', lesson.joinCode(roomB)]);
		expect(names(snap)).toEqual([]);
		expect(handNames(snap)).toEqual(['Bo Hua']);
	});
});
