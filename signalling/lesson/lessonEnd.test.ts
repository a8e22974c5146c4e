import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOARD_SOCKET_PATH, JOIN_API, PROTOCOL_VERSION } from '../../protocol/index.ts';
import { createLesson, joinByCode, startTestApp, TestClient, waitFor, type TestApp, type TestLesson } from '../../app/testing/harness.ts';

/** Once the teacher ends a lesson, no role and no path brings it back. */
describe('an ended lesson stays ended', () => {
	let t: TestApp;
	let lesson: TestLesson;
	let lurker: TestClient;
	beforeAll(async () => {
		t = await startTestApp();
		lesson = await createLesson(t, 2);
		const teacher = new TestClient(t.url, lesson.token('teacher'));
		await teacher.joinLesson();
		// Connected with a valid link, but never joined: the way an attacker would wait.
		lurker = new TestClient(t.url, lesson.token('classroom', 1));
		await lurker.connected();
		await teacher.ok('lesson.end', {});
		await waitFor(() => t.app.catalog.lesson(lesson.lesson.id)?.status === 'ended' || undefined);
	});
	afterAll(() => t.stop());

	it('disconnects sockets that connected but never joined, so they cannot join afterwards', async () => {
		await waitFor(() => !lurker.socket.connected || undefined, 5000, 'the unjoined socket to be disconnected');
		expect(t.app.signalling.sessions.has(lesson.lesson.id)).toBe(false);
		expect(t.app.catalog.lesson(lesson.lesson.id)?.status).toBe('ended');
	});

	it('refuses a late lesson.join on a socket that slipped through, and the lesson stays ended', async () => {
		// A socket that passed the handshake while the lesson was still on, and joins only after it ended.
		const fresh = await createLesson(t, 1);
		const early = new TestClient(t.url, fresh.token('classroom', 0));
		await early.connected();
		await t.app.catalog.setLessonStatus(fresh.lesson.id, 'ended');
		const ack = await early.send('lesson.join', { protocol: PROTOCOL_VERSION });
		expect(ack).toMatchObject({ ok: false, error: { code: 'conflict' } });
		expect(t.app.catalog.lesson(fresh.lesson.id)?.status).toBe('ended');
		expect(t.app.signalling.sessions.has(fresh.lesson.id)).toBe(false);
		early.close();
	});

	it('refuses every role\'s link at the socket, the board and the join code', async () => {
		for (const role of ['teacher', 'observer', 'classroom', 'assistant'] as const) {
			const client = new TestClient(t.url, lesson.token(role, 0));
			expect(await client.refused(), role).toBe('lesson_ended');
			client.close();
		}
		const board = await new Promise<number>((resolve) => {
			const ws = new WebSocket(`${t.url.replace('http', 'ws')}${BOARD_SOCKET_PATH}?t=${lesson.token('teacher')}`);
			ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
			ws.on('open', () => resolve(101));
			ws.on('error', () => undefined);
		});
		expect(board).toBe(401);
		const lookup = await fetch(`${t.url}${JOIN_API}/${lesson.joinCode(0)}`);
		expect(lookup.status).toBe(410);
		const join = await joinByCode(t, { code: lesson.joinCode(0), name: 'Li Wei' });
		expect(join.status).toBe(410);
	});

	it('the catalog refuses to make an ended lesson live or scheduled again', async () => {
		await expect(t.app.catalog.setLessonStatus(lesson.lesson.id, 'live')).rejects.toThrow(/ended/);
		await expect(t.app.catalog.setLessonStatus(lesson.lesson.id, 'scheduled')).rejects.toThrow(/ended/);
		expect(t.app.catalog.lesson(lesson.lesson.id)?.status).toBe('ended');
	});
});
