import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClassroomEventOf } from '../../protocol/index.ts';
import { BoardTestClient } from '../testing/boardClient.ts';
import { createLesson, startTestApp, TestClient, waitFor, type TestApp, type TestLesson } from '../../app/testing/harness.ts';
import { startRedisServer, type RedisServerHandle } from '../../core/testing/redisServer.ts';

/** The whiteboard through the real server: tldraw sync, permissions, persistence and events. */
describe('board sync', () => {
	let dataDir: string;
	let t: TestApp;
	let lesson: TestLesson;
	let teacher: TestClient;
	let room: TestClient;
	let boardId: string;
	const boards: BoardTestClient[] = [];
	const board = (token: string) => {
		const client = new BoardTestClient(t.url, token);
		boards.push(client);
		return client;
	};
	const roomId = () => `room-${lesson.classroomIds[0]}`;

	beforeAll(async () => {
		dataDir = await mkdtemp(path.join(tmpdir(), 'cb-board-'));
		t = await startTestApp({}, dataDir);
		lesson = await createLesson(t, 2);
		teacher = new TestClient(t.url, lesson.token('teacher'));
		room = new TestClient(t.url, lesson.token('classroom', 0));
		await Promise.all([teacher.joinLesson(), room.joinLesson()]);
		boardId = (await teacher.ok('board.addBlank', {})).id;
		await teacher.ok('surface.show', { view: { kind: 'blank', boardId } });
	});
	afterAll(async () => {
		for (const b of boards) b.close();
		teacher.close();
		room.close();
		await t.stop();
		await rm(dataDir, { recursive: true, force: true });
	});

	it('shows the blank board to every classroom in the snapshot', async () => {
		const snap = await room.next('lesson.snapshot', (s) => s.surface.view.kind === 'blank');
		expect(snap.surface.view).toEqual({ kind: 'blank', boardId });
		expect(snap.surface.blankBoards.map((b) => b.id)).toEqual([boardId]);
		expect(t.events.some((e) => e.type === 'slide.shown' && e.data.boardId === boardId && e.data.kind === 'blank')).toBe(true);
	});

	it('streams a teacher edit to a read-only classroom, and the classroom cannot write', async () => {
		const teacherBoard = board(lesson.token('teacher'));
		const roomBoard = board(lesson.token('classroom', 0));
		await Promise.all([teacherBoard.ready, roomBoard.ready]);
		expect(teacherBoard.isReadonly).toBe(false);
		expect(roomBoard.isReadonly).toBe(true);
		expect(roomBoard.hasPage(boardId)).toBe(true);

		const rect = teacherBoard.createRect(boardId, 100, 100);
		await waitFor(() => roomBoard.shapesOn(boardId).some((s) => s.id === rect), 5000, 'the rectangle at the classroom');
		// While the shape moves (a drag, a stroke being drawn) every step reaches the classroom.
		teacherBoard.moveShape(rect, 300);
		await waitFor(() => roomBoard.shapesOn(boardId).some((s) => s.id === rect && (s as { x: number }).x === 300), 5000, 'the move');

		const refused = roomBoard.createRect(boardId, 500, 100);
		await waitFor(() => roomBoard.custom.some((m) => (m as { type: string }).type === 'cb.refused'), 5000, 'the refusal');
		await waitFor(() => !roomBoard.shapesOn(boardId).some((s) => s.id === refused), 5000, 'the classroom rolling back');
		await new Promise((r) => setTimeout(r, 300));
		expect(teacherBoard.shapesOn(boardId).map((s) => s.id)).toEqual([rect]);
		expect((await t.app.boards.lessonBoard(lesson.lesson.id)).shapesOn(boardId).map((s) => s.id)).toEqual([rect]);
	});

	it('batches edits into one board.changed event per actor and second', async () => {
		const changed = await waitFor(
			() => t.events.find((e): e is ClassroomEventOf<'board.changed'> => e.type === 'board.changed' && e.actor === `teacher-${lesson.lesson.id}`),
			5000,
			'board.changed'
		);
		expect(changed.data).toMatchObject({ boardId, added: 1, updated: 0, removed: 0 });
		expect(t.events.filter((e) => e.type === 'board.changed' && e.role !== 'teacher')).toEqual([]);
	});

	it('grant lets the classroom draw; revoke makes its next edit refused', async () => {
		const teacherBoard = board(lesson.token('teacher'));
		const roomBoard = board(lesson.token('classroom', 0));
		await Promise.all([teacherBoard.ready, roomBoard.ready]);

		await teacher.ok('board.setDrawer', { participantId: roomId(), canDraw: true });
		await waitFor(() => !roomBoard.isReadonly, 5000, 'the classroom to become a drawer');
		const snap = await room.next('lesson.snapshot', (s) => s.surface.drawers.includes(roomId()));
		expect(snap.surface.drawers).toEqual([roomId()]);
		const drawn = roomBoard.createRect(boardId, 50, 400);
		await waitFor(() => teacherBoard.shapesOn(boardId).some((s) => s.id === drawn), 5000, 'the classroom shape at the teacher');

		await teacher.ok('board.setDrawer', { participantId: roomId(), canDraw: false });
		await waitFor(() => roomBoard.isReadonly && roomBoard.connects >= 3, 5000, 'the classroom to be read-only again');
		const late = roomBoard.createRect(boardId, 700, 400);
		await waitFor(() => roomBoard.custom.some((m) => (m as { type: string }).type === 'cb.refused'), 5000, 'the refusal');
		await new Promise((r) => setTimeout(r, 300));
		expect(teacherBoard.shapesOn(boardId).some((s) => s.id === late)).toBe(false);
		const types = t.events.filter((e) => e.type === 'board.granted' || e.type === 'board.revoked').map((e) => [e.type, e.data]);
		expect(types).toEqual([
			['board.granted', { participantId: roomId() }],
			['board.revoked', { participantId: roomId() }]
		]);
	});

	it('a late joiner gets the whole board at once', async () => {
		const late = board(lesson.token('classroom', 1));
		await late.ready;
		expect(late.shapesOn(boardId)).toHaveLength(2);
	});

	it('refuses malformed board messages and unauthenticated sockets, changing nothing', async () => {
		const before = (await t.app.boards.lessonBoard(lesson.lesson.id)).shapesOn(boardId).length;
		const teacherBoard = board(lesson.token('teacher'));
		await teacherBoard.ready;
		teacherBoard.socket.sendRaw('{"type":"push","clientClock":"x"}');
		await waitFor(() => teacherBoard.custom.some((m) => (m as { type: string }).type === 'cb.invalid'), 5000, 'cb.invalid');
		expect((await t.app.boards.lessonBoard(lesson.lesson.id)).shapesOn(boardId)).toHaveLength(before);

		const status = await new Promise<number>((resolve) => {
			const ws = new WebSocket(`${t.url.replace('http', 'ws')}/board?t=not-a-token`);
			ws.onerror = () => resolve(401);
			ws.onopen = () => resolve(101);
		});
		expect(status).toBe(401);
		const res = await fetch(`${t.url}/board?t=x`, { headers: { connection: 'upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } }).catch(() => null);
		expect(res === null || res.status !== 101).toBe(true);
	});

	it('refuses surface requests that name what the lesson does not have', async () => {
		const missingDeck = await teacher.send('surface.show', { view: { kind: 'deck', deckId: 'nodeck', page: 1 } });
		expect(missingDeck).toMatchObject({ ok: false, error: { code: 'not_found' } });
		const missingBoard = await teacher.send('surface.show', { view: { kind: 'blank', boardId: 'b_nothere' } });
		expect(missingBoard).toMatchObject({ ok: false, error: { code: 'not_found' } });
		const grantTeacher = await teacher.send('board.setDrawer', { participantId: `teacher-${lesson.lesson.id}`, canDraw: true });
		expect(grantTeacher).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		const grantNobody = await teacher.send('board.setDrawer', { participantId: 'ghost', canDraw: true });
		expect(grantNobody).toMatchObject({ ok: false, error: { code: 'not_found' } });
		const roomClears = await room.send('board.clear', { boardId });
		expect(roomClears).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		const roomShows = await room.send('surface.show', { view: { kind: 'none' } });
		expect(roomShows).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		expect(room.latestSnapshot()?.surface.view).toEqual({ kind: 'blank', boardId });
	});

	it('keeps every board and the shown page across a server restart', async () => {
		const second = await teacher.ok('board.addBlank', {});
		const teacherBoard = board(lesson.token('teacher'));
		await teacherBoard.ready;
		const onSecond = teacherBoard.createRect(second.id, 10, 10);
		await waitFor(async () => (await t.app.boards.lessonBoard(lesson.lesson.id)).shapesOn(second.id).length === 1, 5000, 'the server copy');
		for (const b of boards.splice(0)) b.close();
		teacher.close();
		room.close();
		await t.stop();

		t = await startTestApp({}, dataDir);
		const again = new TestClient(t.url, lesson.token('classroom', 0));
		const join = await again.joinLesson();
		expect(join.lesson.surface.view).toEqual({ kind: 'blank', boardId });
		expect(join.lesson.surface.blankBoards.map((b) => b.id)).toEqual([boardId, second.id]);
		const restored = board(lesson.token('classroom', 0));
		await restored.ready;
		expect(restored.shapesOn(boardId)).toHaveLength(2);
		expect(restored.shapesOn(second.id).map((s) => s.id)).toEqual([onSecond]);
		teacher = new TestClient(t.url, lesson.token('teacher'));
		room = again;
		await teacher.joinLesson();

		const { removed } = await teacher.ok('board.clear', { boardId });
		expect(removed).toBe(2);
		await waitFor(() => restored.shapesOn(boardId).length === 0, 5000, 'the cleared page at the classroom');
		expect(restored.shapesOn(second.id)).toHaveLength(1);
		expect(t.events.find((e) => e.type === 'board.cleared')?.data).toEqual({ boardId, removed: 2 });
	});
});

describe('board storage in Redis', () => {
	let redis: RedisServerHandle;
	beforeAll(async () => {
		redis = await startRedisServer();
	});
	afterAll(async () => {
		await redis.stop();
	});

	it('restores a board from Redis when the data folder lost it', async () => {
		const dataDir = await mkdtemp(path.join(tmpdir(), 'cb-board-redis-'));
		let t = await startTestApp({ REDIS_URL: redis.url }, dataDir);
		const lesson = await createLesson(t, 1);
		const teacher = new TestClient(t.url, lesson.token('teacher'));
		await teacher.joinLesson();
		const { id } = await teacher.ok('board.addBlank', {});
		const drawer = new BoardTestClient(t.url, lesson.token('teacher'));
		await drawer.ready;
		const shape = drawer.createRect(id, 1, 2);
		await waitFor(async () => (await t.app.boards.lessonBoard(lesson.lesson.id)).shapesOn(id).length === 1, 5000, 'the server copy');
		drawer.close();
		teacher.close();
		await t.stop();
		await rm(path.join(dataDir, 'boards'), { recursive: true, force: true });

		t = await startTestApp({ REDIS_URL: redis.url }, dataDir);
		const viewer = new BoardTestClient(t.url, lesson.token('classroom', 0));
		await viewer.ready;
		expect(viewer.shapesOn(id).map((s) => s.id)).toEqual([shape]);
		viewer.close();
		await t.stop();
		await rm(dataDir, { recursive: true, force: true });
	});
});
