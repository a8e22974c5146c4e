import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStudent, createLesson, startTestApp, TestClient, type TestApp, type TestLesson } from '../../app/testing/harness.ts';

const settle = () => new Promise((r) => setTimeout(r, 300));

/** Students write only as far as the teacher allows: off, questions (teacher + own assistant), or chat. */
describe('student chat and questions', () => {
	let t: TestApp;
	let lesson: TestLesson;
	let teacher: TestClient;
	let assistant1: TestClient;
	let assistant2: TestClient;
	let room1: TestClient;
	let observer: TestClient;
	let s1a: TestClient;
	let s1b: TestClient;
	let s2: TestClient;
	const all = () => [teacher, assistant1, assistant2, room1, observer, s1a, s1b, s2];

	beforeAll(async () => {
		t = await startTestApp();
		lesson = await createLesson(t, 2);
		teacher = new TestClient(t.url, lesson.token('teacher'));
		assistant1 = new TestClient(t.url, lesson.token('assistant', 0));
		assistant2 = new TestClient(t.url, lesson.token('assistant', 1));
		room1 = new TestClient(t.url, lesson.token('classroom', 0));
		observer = new TestClient(t.url, lesson.token('observer'));
		s1a = new TestClient(t.url, (await addStudent(t, lesson, 0, 'Asker')).token);
		s1b = new TestClient(t.url, (await addStudent(t, lesson, 0, 'Neighbour')).token);
		s2 = new TestClient(t.url, (await addStudent(t, lesson, 1, 'Far Away')).token);
		await Promise.all(all().map((c) => c.joinLesson()));
	});
	afterAll(async () => {
		for (const c of all()) c.close();
		await t.stop();
	});

	it('is off by default; only the teacher switches it', async () => {
		expect(s1a.join?.lesson.studentChat).toBe('off');
		expect(await s1a.send('chat.send', { text: 'hello?' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		expect(await assistant1.send('lesson.setStudentChat', { mode: 'chat' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		expect(await s1a.send('lesson.setStudentChat', { mode: 'chat' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
	});

	it('a question reaches the teacher, the asker and their own assistant only, now and in the history', async () => {
		await teacher.ok('lesson.setStudentChat', { mode: 'questions' });
		await s1a.next('lesson.snapshot', (s) => s.studentChat === 'questions');
		const asked = await s1a.ok('chat.send', { text: 'Why is 1/2 bigger than 1/3?' });
		expect(asked).toMatchObject({ question: true, role: 'student', classroomId: lesson.classroomIds[0], displayName: 'Asker' });
		for (const c of [teacher, assistant1, s1a]) await c.next('chat.message', (m) => m.id === asked.id);
		await settle();
		for (const c of [assistant2, room1, observer, s1b, s2]) expect(c.all('chat.message').some((m) => m.id === asked.id)).toBe(false);
		expect(t.events.filter((e) => e.type === 'question.asked')).toMatchObject([{ actor: s1a.join?.self.id, data: { messageId: asked.id } }]);
		expect(t.events.some((e) => e.type === 'chat.sent' && (e.data as { messageId: string }).messageId === asked.id)).toBe(false);

		const late = new TestClient(t.url, lesson.token('classroom', 1));
		const lateTeacher = new TestClient(t.url, lesson.token('teacher'));
		const [lateJoin, teacherJoin] = await Promise.all([late.joinLesson(), lateTeacher.joinLesson()]);
		expect(lateJoin.chat.some((m) => m.id === asked.id)).toBe(false);
		expect(teacherJoin.chat.some((m) => m.id === asked.id)).toBe(true);
		late.close();
		lateTeacher.close();
		teacher = new TestClient(t.url, lesson.token('teacher'));
		await teacher.joinLesson();
	});

	it('open chat reaches everyone; muting stops students too', async () => {
		await teacher.ok('lesson.setStudentChat', { mode: 'chat' });
		expect(t.events.filter((e) => e.type === 'studentChat.changed').map((e) => (e.data as { mode: string }).mode)).toEqual(['questions', 'chat']);
		await s2.next('lesson.snapshot', (s) => s.studentChat === 'chat');
		const said = await s2.ok('chat.send', { text: 'hi from room 2' });
		expect(said.question).toBeUndefined();
		for (const c of [teacher, s1b, room1, observer]) await c.next('chat.message', (m) => m.id === said.id);
		await teacher.ok('chat.setMuted', { muted: true });
		expect(await s2.send('chat.send', { text: 'still?' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		await teacher.ok('chat.setMuted', { muted: false });
		await teacher.ok('lesson.setStudentChat', { mode: 'off' });
	});

	it('students raise hands; a phone sees only its own room’s hands', async () => {
		await s1a.ok('hand.raise', {});
		await assistant2.ok('hand.raise', {});
		const seen = await teacher.next('lesson.snapshot', (s) => s.hands.length === 2);
		expect(seen.hands.find((h) => h.role === 'student')).toMatchObject({ participantId: s1a.join?.self.id, classroomId: lesson.classroomIds[0] });
		const own = await s1b.next('lesson.snapshot', (s) => s.hands.length === 1);
		expect(own.hands[0]?.participantId).toBe(s1a.join?.self.id);
		const far = await s2.next('lesson.snapshot', (s) => s.hands.length === 1);
		expect(far.hands[0]?.role).toBe('assistant');
		expect(far.participants.every((p) => p.role !== 'student')).toBe(true);
	});
});
