import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLesson, startTestApp, TestClient, type TestApp, type TestLesson } from '../../app/testing/harness.ts';

describe('socket authentication', () => {
	let t: TestApp;
	let lesson: TestLesson;
	beforeAll(async () => {
		t = await startTestApp();
		lesson = await createLesson(t, 2);
	});
	afterAll(() => t.stop());

	const refusal = async (token: string | undefined) => {
		const client = new TestClient(t.url, token);
		try {
			return await client.refused();
		} finally {
			client.close();
		}
	};

	it('refuses a connection without a token', async () => {
		expect(await refusal(undefined)).toBe('token_missing');
	});

	it('refuses a forged or garbled token', async () => {
		expect(await refusal('not-a-jwt')).toBe('token_invalid');
		const good = lesson.token('teacher');
		const forged = good.slice(0, -4) + (good.endsWith('AAAA') ? 'BBBB' : 'AAAA');
		expect(await refusal(forged)).toBe('token_invalid');
	});

	it('refuses an expired link with its own reason', async () => {
		const expired = await t.app.tokens.signLesson({
			lessonId: lesson.lesson.id,
			role: 'classroom',
			classroomId: lesson.classroomIds[0] ?? null,
			participantId: 'room-x',
			expiresAt: Date.now() - 60_000
		});
		expect(await refusal(expired)).toBe('token_expired');
	});

	it('refuses a student device token on the lesson socket (it names a student, it joins nothing)', async () => {
		const device = await t.app.tokens.signDevice({ classroomId: lesson.classroomIds[0] ?? '', studentId: 'stu_x', expiresAt: Date.now() + 60_000 });
		expect(await refusal(device)).toBe('token_invalid');
		await expect(t.app.tokens.verifyDevice(device)).resolves.toMatchObject({ kind: 'device', studentId: 'stu_x' });
		await expect(t.app.tokens.verifyDevice(lesson.token('teacher'))).rejects.toMatchObject({ reason: 'token_invalid' });
	});

	it('refuses an admin token on the lesson socket', async () => {
		const admin = new URL(t.app.adminUrl).searchParams.get('token') ?? '';
		expect(await refusal(admin)).toBe('token_invalid');
	});

	it('refuses a lesson that does not exist and a classroom outside the lesson', async () => {
		const noLesson = await t.app.tokens.signLesson({ lessonId: 'les_nope', role: 'teacher', classroomId: null, participantId: 'teacher', expiresAt: Date.now() + 60_000 });
		expect(await refusal(noLesson)).toBe('lesson_not_found');
		const strayRoom = await t.app.tokens.signLesson({
			lessonId: lesson.lesson.id,
			role: 'classroom',
			classroomId: 'cls_elsewhere',
			participantId: 'room-elsewhere',
			expiresAt: Date.now() + 60_000
		});
		expect(await refusal(strayRoom)).toBe('classroom_not_in_lesson');
	});

	it('accepts a valid link and joins with the identity in the token', async () => {
		const client = new TestClient(t.url, lesson.token('classroom', 1));
		const join = await client.joinLesson();
		expect(join.self).toMatchObject({ role: 'classroom', classroomId: lesson.classroomIds[1], id: `room-${lesson.classroomIds[1]}` });
		expect(join.lesson.classrooms.map((c) => c.id)).toEqual(lesson.classroomIds);
		client.close();
	});

	it('answers /api/session for a link and 401 with the reason for a bad one', async () => {
		const ok = await fetch(`${t.url}/api/session?t=${lesson.token('assistant', 0)}`);
		expect(ok.status).toBe(200);
		expect(await ok.json()).toMatchObject({ role: 'assistant', classroomId: lesson.classroomIds[0] });
		const bad = await fetch(`${t.url}/api/session?t=garbage`);
		expect(bad.status).toBe(401);
		expect((await bad.json()).error.code).toBe('token_invalid');
	});

	it('rejects admin API calls without the admin token', async () => {
		const res = await fetch(`${t.url}/api/catalog`, { headers: { authorization: `Bearer ${lesson.token('teacher')}` } });
		expect(res.status).toBe(401);
	});
});
