import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOM_REPLAYS_API, roomLinkPath, type RoomLink, type RoomReplayChoices, type RoomReplayStarted } from '../protocol/index.ts';
import { writeLessonFixture } from '../recorder/packages/testing/lessonFixture.ts';
import { createLesson, startTestApp, TestClient, type TestApp, type TestLesson } from './testing/harness.ts';

const RECORDED = 'lesson_roompage1';

/**
 * A classroom's room page on a real server: staff make the link; with it the room's assistant lists
 * the recorded lessons and starts one in that room, without staff. Nothing else opens with it.
 */
describe('room page', () => {
	let t: TestApp;
	let dataDir: string;
	let live: TestLesson;
	let roomToken = '';
	const clients: TestClient[] = [];
	const adminToken = () => new URL(t.app.adminUrl).searchParams.get('token') ?? '';
	const call = (method: string, route: string, token: string, body?: unknown) =>
		fetch(`${t.url}${route}`, {
			method,
			headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
			body: body === undefined ? undefined : JSON.stringify(body)
		});
	const choices = async (token = roomToken) => (await (await call('GET', ROOM_REPLAYS_API, token)).json()) as RoomReplayChoices;
	const tokenOf = (link: string) => new URL(link).searchParams.get('t') ?? '';

	beforeAll(async () => {
		dataDir = await mkdtemp(path.join(tmpdir(), 'cb-roompage-'));
		await writeLessonFixture(dataDir, RECORDED, { seconds: 3, title: 'Water cycle 水循环' });
		t = await startTestApp({}, dataDir);
		live = await createLesson(t, 2);
	}, 60_000);
	afterAll(async () => {
		for (const c of clients) c.close();
		await t.stop();
		await rm(dataDir, { recursive: true, force: true });
	});

	it('staff make a classroom’s room page link; nobody else can', async () => {
		const made = await call('POST', roomLinkPath(live.classroomIds[1]!), adminToken(), {});
		expect(made.status).toBe(201);
		const link = (await made.json()) as RoomLink;
		expect(link).toMatchObject({ classroomId: live.classroomIds[1], link: expect.stringMatching(/\/room\?t=/) });
		expect(link.expiresAt).toBeGreaterThan(Date.now() + 100 * 86_400_000);
		roomToken = tokenOf(link.link);
		expect((await call('POST', roomLinkPath(live.classroomIds[1]!), live.token('assistant', 1), {})).status).toBe(401);
		expect((await call('POST', roomLinkPath('cls_nothere'), adminToken(), {})).status).toBe(404);
		expect((await call('POST', roomLinkPath(live.classroomIds[1]!), adminToken(), { days: 9999 })).status).toBe(400);
	});

	it('lists the ready recorded lessons for the room, and nothing runs yet', async () => {
		const list = await choices();
		expect(list.classroom).toMatchObject({ id: live.classroomIds[1], name: 'Room 2', schoolName: expect.stringMatching(/^Hillside/) });
		expect(list.lessons).toEqual([expect.objectContaining({ lessonId: RECORDED, title: 'Water cycle 水循环', durationMs: expect.any(Number) })]);
		expect(list.current).toBeNull();
	});

	it('starts a recorded lesson in its own room: the room screen and the assistant get their links, and the page shows it running', async () => {
		const lessonsBefore = t.app.catalog.lessons().length;
		const res = await call('POST', ROOM_REPLAYS_API, roomToken, { sourceLessonId: RECORDED });
		expect(res.status).toBe(201);
		const started = (await res.json()) as RoomReplayStarted;
		expect(started).toMatchObject({ title: 'Water cycle 水循环', joinCode: expect.stringMatching(/^[A-Z0-9]{6}$/) });
		expect(t.app.catalog.lesson(started.lessonId)).toMatchObject({ replayOf: RECORDED, classroomIds: [live.classroomIds[1]] });
		expect(t.app.catalog.lessons()).toHaveLength(lessonsBefore + 1);
		expect(await t.app.tokens.verifyLesson(tokenOf(started.assistant))).toMatchObject({ role: 'assistant', classroomId: live.classroomIds[1], lessonId: started.lessonId });
		expect(await t.app.tokens.verifyLesson(tokenOf(started.room))).toMatchObject({ role: 'classroom', classroomId: live.classroomIds[1] });
		expect((await choices()).current).toMatchObject({ lessonId: started.lessonId, joinCode: started.joinCode });

		const assistant = new TestClient(t.url, tokenOf(started.assistant));
		clients.push(assistant);
		const joined = await assistant.joinLesson();
		expect(joined.lesson.replay?.playback.status).toBe('paused');
	});

	it('refuses other tokens, unknown lessons and extra fields, and changes nothing', async () => {
		const lessonsBefore = t.app.catalog.lessons().length;
		const older = await t.app.tokens.signRoom({ classroomId: live.classroomIds[1]!, generation: 'an-older-generation', expiresAt: Date.now() + 3_600_000 });
		for (const token of [live.token('assistant', 1), live.token('teacher'), adminToken(), older, 'nonsense']) {
			expect((await call('GET', ROOM_REPLAYS_API, token)).status).toBe(401);
			expect((await call('POST', ROOM_REPLAYS_API, token, { sourceLessonId: RECORDED })).status).toBe(401);
		}
		// A room page link opens no staff route.
		expect((await call('GET', '/api/catalog', roomToken)).status).toBe(401);
		expect((await call('POST', ROOM_REPLAYS_API, roomToken, { sourceLessonId: 'lesson_nothere' })).status).toBe(404);
		expect((await call('POST', ROOM_REPLAYS_API, roomToken, { sourceLessonId: RECORDED, classroomId: live.classroomIds[0] })).status).toBe(400);
		expect((await call('PUT', ROOM_REPLAYS_API, roomToken, {})).status).toBe(405);
		expect(t.app.catalog.lessons()).toHaveLength(lessonsBefore);
	});

	it('a room that starts lesson after lesson is slowed down, with a reason', async () => {
		const statuses: number[] = [];
		for (let i = 0; i < 7; i++) statuses.push((await call('POST', ROOM_REPLAYS_API, roomToken, { sourceLessonId: RECORDED })).status);
		// Six in a row; the start and the unknown lesson above were two of them.
		expect(statuses).toEqual([201, 201, 201, 201, 429, 429, 429]);
		const refused = await call('POST', ROOM_REPLAYS_API, roomToken, { sourceLessonId: RECORDED });
		expect(refused.status).toBe(429);
		expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/wait a few minutes/);
	});
});
