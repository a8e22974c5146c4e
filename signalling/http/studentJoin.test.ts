import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { JOIN_API, type JoinInfo } from '../../protocol/index.ts';
import { createLesson, joinByCode, startTestApp, TestClient, type TestApp, type TestLesson } from '../../app/testing/harness.ts';
import { clientAddress } from '../../core/http/httpUtil.ts';
import { JOIN_ADDRESS_BURST } from './joinLimits.ts';

/** Students join by code on a phone: no account, one stable pseudonymous id per room, kept by a device token. */
describe('student join by code', () => {
	let t: TestApp;
	let lesson: TestLesson;
	let teacher: TestClient;
	const clients: TestClient[] = [];

	beforeAll(async () => {
		t = await startTestApp();
		lesson = await createLesson(t, 2);
		teacher = new TestClient(t.url, lesson.token('teacher'));
		await teacher.joinLesson();
	});
	afterAll(async () => {
		for (const c of [teacher, ...clients]) c.close();
		await t.stop();
	});

	const info = async (code: string) => {
		const res = await fetch(`${t.url}${JOIN_API}/${encodeURIComponent(code)}`);
		return { status: res.status, body: (await res.json()) as JoinInfo & { error?: { code: string; message: string } } };
	};
	const connect = async (token: string) => {
		const client = new TestClient(t.url, token);
		clients.push(client);
		await client.joinLesson();
		return client;
	};

	const pickOf = async (code: string, name: string) => (await info(code)).body.students.find((s) => s.name === name)!.pick;

	it('looks a code up for the name picker: lesson, room and listed names only, by handles that are not student ids', async () => {
		const [listed] = await t.app.catalog.addStudents(lesson.classroomIds[0]!, ['Wang Fang'], true);
		await t.app.catalog.addStudents(lesson.classroomIds[0]!, ['typed by someone'], false);
		const found = await info(lesson.joinCode(0).toLowerCase());
		expect(found.status).toBe(200);
		expect(found.body).toEqual({ lessonTitle: 'Fractions', classroomName: 'Room 1', students: [{ pick: expect.stringMatching(/^pk_/), name: 'Wang Fang' }] });
		expect(JSON.stringify(found.body)).not.toContain(listed!.id);
		// Another lesson of the same room shows other handles: nothing to follow a student by across lessons.
		const next = await createLesson(t, 0, { classroomIds: [lesson.classroomIds[0]!] });
		expect(await pickOf(next.joinCode(0), 'Wang Fang')).not.toBe(found.body.students[0]!.pick);
		const unknown = await info('ZZZZZZ');
		expect(unknown.status).toBe(404);
		expect(unknown.body.error?.message).toContain('no lesson has the join code ZZZZZZ');
		expect((await info('no!')).status).toBe(400);
	});

	it('a typed name joins as a new (unlisted) student who appears in the roster with their classroom', async () => {
		const joined = await joinByCode(t, { code: lesson.joinCode(1), name: '  Li   Wei ' });
		expect(joined.status).toBe(201);
		const grant = joined.grant!;
		expect(grant.student.name).toBe('Li Wei');
		expect(grant.student.id).toMatch(/^stu_/);
		expect(grant).toMatchObject({ lessonId: lesson.lesson.id, classroomId: lesson.classroomIds[1], expiresAt: lesson.lesson.linksExpireAt });
		expect(t.app.catalog.student(grant.student.id)).toMatchObject({ listed: false, classroomId: lesson.classroomIds[1] });

		const phone = await connect(grant.token);
		expect(phone.join?.self).toMatchObject({ id: grant.student.id, role: 'student', classroomId: lesson.classroomIds[1], displayName: 'Li Wei' });
		const seen = await teacher.next('lesson.snapshot', (s) => s.participants.some((p) => p.id === grant.student.id && p.online));
		expect(seen.participants.find((p) => p.id === grant.student.id)).toMatchObject({ role: 'student', classroomId: lesson.classroomIds[1] });
		const event = t.events.find((e) => e.type === 'participant.joined' && e.actor === grant.student.id);
		expect(event).toMatchObject({ role: 'student', classroomId: lesson.classroomIds[1], data: { displayName: 'Li Wei' } });
		// The phone's snapshot holds no other students and no other room's join code.
		expect(phone.join?.lesson.participants.every((p) => p.role !== 'student')).toBe(true);
		expect(phone.join?.lesson.classrooms.find((c) => c.id === lesson.classroomIds[0])?.joinCode).toBe('');
		expect(phone.join?.lesson.classrooms.find((c) => c.id === lesson.classroomIds[1])?.joinCode).toBe(lesson.joinCode(1));
	});

	it('a reload with the device token is the same student; a typed name on another phone is a new one', async () => {
		const first = (await joinByCode(t, { code: lesson.joinCode(0), name: 'Zhao Min' })).grant!;
		const reload = (await joinByCode(t, { code: lesson.joinCode(0), deviceToken: first.deviceToken })).grant!;
		expect(reload.student).toEqual(first.student);
		const retyped = (await joinByCode(t, { code: lesson.joinCode(0), name: 'zhao min', deviceToken: first.deviceToken })).grant!;
		expect(retyped.student.id).toBe(first.student.id);
		const otherPhone = (await joinByCode(t, { code: lesson.joinCode(0), name: 'Zhao Min' })).grant!;
		expect(otherPhone.student.id).not.toBe(first.student.id);
		// A device token says who, never joins a lesson by itself.
		const refused = new TestClient(t.url, first.deviceToken);
		clients.push(refused);
		expect(await refused.refused()).toBe('token_invalid');
	});

	it('picking a listed name reuses its id; typing a listed name counts as picking it; ids and other rooms cannot be picked', async () => {
		const [listed] = await t.app.catalog.addStudents(lesson.classroomIds[1]!, ['Chen Jie'], true);
		const pick = await pickOf(lesson.joinCode(1), 'Chen Jie');
		const picked = (await joinByCode(t, { code: lesson.joinCode(1), pick })).grant!;
		expect(picked.student).toEqual({ id: listed!.id, name: 'Chen Jie' });
		const typed = (await joinByCode(t, { code: lesson.joinCode(1), name: 'CHEN jie', deviceToken: picked.deviceToken })).grant!;
		expect(typed.student.id).toBe(listed!.id);
		expect((await joinByCode(t, { code: lesson.joinCode(0), pick })).status).toBe(404);
		expect((await joinByCode(t, { code: lesson.joinCode(1), pick: listed!.id })).status).toBe(404);
		expect((await joinByCode(t, { code: lesson.joinCode(1), studentId: listed!.id })).status).toBe(400);

		const someone = (await joinByCode(t, { code: lesson.joinCode(1), name: 'Typed Name' })).grant!;
		const own = await joinByCode(t, { code: lesson.joinCode(1), deviceToken: someone.deviceToken });
		expect(own.grant?.student.id).toBe(someone.student.id);
	});

	it('the device token brings the same id into a second lesson of the room, and only of that room', async () => {
		const first = (await joinByCode(t, { code: lesson.joinCode(0), name: 'Sun Yu' })).grant!;
		const next = await createLesson(t, 0, { classroomIds: [lesson.classroomIds[0]!, lesson.classroomIds[1]!] });
		const again = (await joinByCode(t, { code: next.joinCode(0), deviceToken: first.deviceToken })).grant!;
		expect(again.student).toEqual(first.student);
		expect(again.lessonId).toBe(next.lesson.id);
		const phone = await connect(again.token);
		expect(phone.join?.self).toMatchObject({ id: first.student.id, displayName: 'Sun Yu' });
		expect(phone.join?.lesson.lessonId).toBe(next.lesson.id);

		const wrongRoom = await joinByCode(t, { code: next.joinCode(1), deviceToken: first.deviceToken });
		expect(wrongRoom).toMatchObject({ status: 400, error: { code: 'invalid' } });
		const forged = await joinByCode(t, { code: next.joinCode(0), deviceToken: `${first.deviceToken.slice(0, -3)}abc` });
		expect(forged.status).toBe(400);
	});

	it('refuses bad bodies, and ended lessons with 410', async () => {
		expect((await joinByCode(t, { code: lesson.joinCode(0) })).status).toBe(400);
		expect((await joinByCode(t, { code: lesson.joinCode(0), name: 'x'.repeat(41) })).status).toBe(400);
		expect((await joinByCode(t, { code: lesson.joinCode(0), name: 'ok', extra: 1 })).status).toBe(400);
		expect((await joinByCode(t, { code: 'ZZZZZZ', name: 'ok' })).status).toBe(404);
		const old = await createLesson(t, 0, { classroomIds: [lesson.classroomIds[0]!] });
		await t.app.catalog.setLessonStatus(old.lesson.id, 'ended');
		const ended = await joinByCode(t, { code: old.joinCode(0), name: 'Late' });
		expect(ended).toMatchObject({ status: 410, error: { code: 'lesson_ended' } });
		expect((await info(old.joinCode(0))).status).toBe(410);
	});

	it('rate-limits join attempts without a device token per address', async () => {
		const statuses: number[] = [];
		for (let i = 0; i < JOIN_ADDRESS_BURST + 5; i++) statuses.push((await info(lesson.joinCode(0))).status);
		expect(statuses).toContain(429);
		const firstRefusal = statuses.indexOf(429);
		expect(statuses.slice(0, firstRefusal).every((s) => s === 200)).toBe(true);
		const joins = await Promise.all([1, 2, 3].map(() => joinByCode(t, { code: lesson.joinCode(0), name: 'Too Late' })));
		expect(joins.find((j) => j.status === 429)).toMatchObject({ error: { code: 'rate_limited', message: expect.stringContaining('too many') } });
	});
});

describe('client address behind proxies', () => {
	const req = (remote: string, forwarded?: string) =>
		({ socket: { remoteAddress: remote }, headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded } }) as unknown as IncomingMessage;

	it('uses the socket address unless proxies are trusted, then the hop that many from the right', () => {
		expect(clientAddress(req('10.0.0.1', '1.2.3.4'), 0)).toBe('10.0.0.1');
		expect(clientAddress(req('10.0.0.1', '6.6.6.6, 1.2.3.4'), 1)).toBe('1.2.3.4');
		expect(clientAddress(req('10.0.0.1', '1.2.3.4, 10.0.0.2'), 2)).toBe('1.2.3.4');
		expect(clientAddress(req('10.0.0.1'), 1)).toBe('10.0.0.1');
	});
});
