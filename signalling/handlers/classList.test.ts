import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClassList, JoinInfo } from '../../protocol/index.ts';
import { createLesson, joinByCode, startTestApp, TestClient, type TestApp, type TestLesson } from '../../app/testing/harness.ts';

/** The assistant keeps their room's class list; the teacher may keep any room's. */
describe('class lists', () => {
	let t: TestApp;
	let lesson: TestLesson;
	let teacher: TestClient;
	let assistant1: TestClient;
	let assistant2: TestClient;
	let phone: TestClient;
	let typed: { id: string; deviceToken: string };

	beforeAll(async () => {
		t = await startTestApp();
		lesson = await createLesson(t, 2);
		const grant = (await joinByCode(t, { code: lesson.joinCode(0), name: 'Xiao Ming' })).grant!;
		typed = { id: grant.student.id, deviceToken: grant.deviceToken };
		teacher = new TestClient(t.url, lesson.token('teacher'));
		assistant1 = new TestClient(t.url, lesson.token('assistant', 0));
		assistant2 = new TestClient(t.url, lesson.token('assistant', 1));
		phone = new TestClient(t.url, grant.token);
		await Promise.all([teacher, assistant1, assistant2, phone].map((c) => c.joinLesson()));
	});
	afterAll(async () => {
		for (const c of [teacher, assistant1, assistant2, phone]) c.close();
		await t.stop();
	});

	const [room1, room2] = [0, 1];
	const names = (list: ClassList) => list.students.map((s) => `${s.name}${s.listed ? '' : ' (typed)'}`);

	it('an assistant sees and extends their own room only; students and screens cannot at all', async () => {
		const own = await assistant1.ok('classList.get', {});
		expect(own).toEqual({ classroomId: lesson.classroomIds[room1], students: [{ id: typed.id, name: 'Xiao Ming', listed: false }], claims: [] });
		expect(await assistant1.send('classList.get', { classroomId: lesson.classroomIds[room2] })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		expect(await assistant1.send('classList.add', { classroomId: lesson.classroomIds[room2], names: ['X'] })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		expect(await phone.send('classList.get', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		expect(await teacher.send('classList.get', {})).toMatchObject({ ok: false, error: { code: 'invalid' } });

		const added = await assistant1.ok('classList.add', { names: ['Wang Fang', 'Li Lei', 'wang  fang'] });
		expect(names(added)).toEqual(['Li Lei', 'Wang Fang', 'Xiao Ming (typed)']);
		expect(names(await assistant1.ok('classList.add', { names: ['Li Lei'] }))).toEqual(['Li Lei', 'Wang Fang', 'Xiao Ming (typed)']);
		const pushed = await teacher.next('classList.updated', (l) => l.students.length === 3);
		expect(pushed.classroomId).toBe(lesson.classroomIds[room1]);
		await assistant1.next('classList.updated');
		expect(assistant2.all('classList.updated')).toEqual([]);
		expect(names(await teacher.ok('classList.get', { classroomId: lesson.classroomIds[room2] }))).toEqual([]);
	});

	it('renames on the list and, for a student in the lesson, in the roster at once', async () => {
		const list = await assistant1.ok('classList.get', {});
		const li = list.students.find((s) => s.name === 'Li Lei')!;
		await assistant1.ok('classList.rename', { studentId: li.id, name: 'Li Lei 4B' });
		await assistant1.ok('classList.rename', { studentId: typed.id, name: 'Xiao Ming!' });
		const snap = await teacher.next('lesson.snapshot', (s) => s.participants.some((p) => p.id === typed.id && p.displayName === 'Xiao Ming!'));
		expect(snap.participants.find((p) => p.id === typed.id)?.classroomId).toBe(lesson.classroomIds[room1]);
		const clash = await assistant1.send('classList.rename', { studentId: li.id, name: 'wang fang' });
		expect(clash).toMatchObject({ ok: false, error: { code: 'conflict' } });
		expect(await assistant2.send('classList.rename', { studentId: li.id, name: 'Mine now' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
	});

	it('merges a typed name into a listed one: later joins get the listed id, earlier events keep theirs', async () => {
		const list = await assistant1.ok('classList.get', {});
		const wang = list.students.find((s) => s.name === 'Wang Fang')!;
		const li = list.students.find((s) => s.name === 'Li Lei 4B')!;
		expect(await assistant1.send('classList.merge', { fromId: li.id, intoId: wang.id })).toMatchObject({ ok: false, error: { code: 'conflict' } });
		const merged = await assistant1.ok('classList.merge', { fromId: typed.id, intoId: wang.id });
		expect(names(merged)).toEqual(['Li Lei 4B', 'Wang Fang']);
		expect(t.events.find((e) => e.type === 'student.merged')).toMatchObject({
			role: 'assistant',
			classroomId: lesson.classroomIds[room1],
			data: { fromId: typed.id, intoId: wang.id }
		});
		expect(t.events.some((e) => e.type === 'participant.joined' && e.actor === typed.id)).toBe(true);

		const rejoin = (await joinByCode(t, { code: lesson.joinCode(0), deviceToken: typed.deviceToken })).grant!;
		expect(rejoin.student).toEqual({ id: wang.id, name: 'Wang Fang' });
		const info = (await (await fetch(`${t.url}/api/join/${lesson.joinCode(0)}`)).json()) as JoinInfo;
		const pick = info.students.find((s) => s.name === 'Wang Fang')!.pick;
		const picked = (await joinByCode(t, { code: lesson.joinCode(0), pick, deviceToken: typed.deviceToken })).grant!;
		expect(picked.student.id).toBe(wang.id);
		expect(await assistant1.send('classList.merge', { fromId: typed.id, intoId: wang.id })).toMatchObject({ ok: false, error: { code: 'not_found' } });
	});

	it('accepts a typed name into the list unless that name is listed already', async () => {
		const a = (await joinByCode(t, { code: lesson.joinCode(1), name: 'Zhou Jie' })).grant!;
		const accepted = await assistant2.ok('classList.accept', { studentId: a.student.id });
		expect(accepted.students).toEqual([{ id: a.student.id, name: 'Zhou Jie', listed: true }]);
		const again = (await joinByCode(t, { code: lesson.joinCode(1), name: 'Zhou  Jie', deviceToken: a.deviceToken })).grant!;
		expect(again.student.id).toBe(a.student.id);
		const b = (await joinByCode(t, { code: lesson.joinCode(1), name: 'Other' })).grant!;
		await assistant2.ok('classList.rename', { studentId: b.student.id, name: 'zhou jie' });
		expect(await assistant2.send('classList.accept', { studentId: b.student.id })).toMatchObject({ ok: false, error: { code: 'conflict' } });
		expect(await teacher.send('classList.merge', { fromId: b.student.id, intoId: 'stu_nothere' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
		await teacher.ok('classList.merge', { fromId: b.student.id, intoId: a.student.id });
	});
});
