import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createBindingId, createShapeId, InstancePresenceRecordType, type TLInstancePresence, type TLPageId, type TLRecord } from '@tldraw/tlschema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoardTestClient, RawBoardSocket, rawUpgrade, resetUpgrade } from '../testing/boardClient.ts';
import { drawerLesson } from '../testing/drawerLesson.ts';
import { addStudent, createLesson, startTestApp, TestClient, waitFor, type TestApp, type TestLesson } from '../../app/testing/harness.ts';
import { VIEWER_PAGE_ID, type LessonBoard } from './LessonBoard.ts';
import { pageIdOf } from './boardSchema.ts';

/** Abuse of the board endpoint through the real server: upgrade targets, session ids, drawer scope. */

const sorted = (records: TLRecord[]) => JSON.stringify([...records].sort((a, b) => a.id.localeCompare(b.id)));

describe('board upgrade targets', () => {
	let t: TestApp;
	let lesson: TestLesson;
	beforeAll(async () => {
		t = await startTestApp();
		lesson = await createLesson(t, 1);
	});
	afterAll(async () => {
		await t.stop();
	});

	it('answers malformed board targets 400, leaves other malformed targets alone, and keeps serving', async () => {
		for (const target of ['http://[x]/board', 'http://[x]/board?t=abc', 'http://%zz/board?sessionId=x', 'ws://host/board']) {
			expect(await rawUpgrade(t.url, target), target).toEqual({ status: 400, refusal: 'bad_request' });
		}
		// Not the board's: socket.io does not serve them either, so they are refused once unclaimed.
		const elsewhere = await Promise.all(['//[', '//[/board', 'http://[x]/elsewhere', '/nothing-here'].map((target) => rawUpgrade(t.url, target, 3000)));
		expect(elsewhere).toEqual(Array(4).fill({ status: 404, refusal: 'not_found' }));
		// Percent-escapes that decode to nothing valid reach the token check and are refused there.
		for (const target of ['/board?t=%E0%A4%A&sessionId=%ZZ', '/board?t=%&sessionId=%%%', '/board?%zz=%zz']) {
			expect((await rawUpgrade(t.url, target)).status, target).toBe(401);
		}

		// Clients resetting the connection while their upgrade waits (on any path) are no error.
		for (const target of ['/board?t=x', `/board?t=${lesson.token('teacher')}`, '/nothing-here', '//[']) await resetUpgrade(t.url, target);
		await new Promise((resolve) => setTimeout(resolve, 200));

		expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
		const teacherBoard = new BoardTestClient(t.url, lesson.token('teacher'));
		try {
			await teacherBoard.ready;
			const teacher = new TestClient(t.url, lesson.token('teacher'));
			await teacher.joinLesson();
			const { id } = await teacher.ok('board.addBlank', {});
			teacher.close();
			await waitFor(() => teacherBoard.hasPage(id), 5000, 'the new page');
			const rect = teacherBoard.createRect(id, 10, 10);
			await waitFor(async () => (await t.app.boards.lessonBoard(lesson.lesson.id)).shapesOn(id).some((s) => s.id === rect), 5000, 'the server copy');
		} finally {
			teacherBoard.close();
		}
	});
});

describe('board sessions belong to their participant', () => {
	let t: TestApp;
	let lesson: TestLesson;
	let boardId: string;
	const boards: BoardTestClient[] = [];
	const board = (token: string, sessionId?: string) => {
		const client = new BoardTestClient(t.url, token, { sessionId });
		boards.push(client);
		return client;
	};

	beforeAll(async () => {
		t = await startTestApp();
		lesson = await createLesson(t, 1);
		const teacher = new TestClient(t.url, lesson.token('teacher'));
		await teacher.joinLesson();
		boardId = (await teacher.ok('board.addBlank', {})).id;
		await teacher.ok('surface.show', { view: { kind: 'blank', boardId } });
		teacher.close();
	});
	afterAll(async () => {
		for (const b of boards) b.close();
		await t.stop();
	});

	it("an observer and a student naming the teacher's session id get sessions of their own, read-only", async () => {
		const sessionId = 'teacher-session-1';
		const teacherBoard = board(lesson.token('teacher'), sessionId);
		await teacherBoard.ready;
		const student = await addStudent(t, lesson, 0, 'Li Wei');
		const observerBoard = board(lesson.token('observer'), sessionId);
		const studentBoard = board(student.token, sessionId);
		await Promise.all([observerBoard.ready, studentBoard.ready]);
		expect(observerBoard.isReadonly).toBe(true);
		expect(studentBoard.isReadonly).toBe(true);

		const stolen = observerBoard.createRect(boardId, 10, 10);
		const alsoStolen = studentBoard.createRect(boardId, 20, 20);
		await waitFor(() => !observerBoard.record(stolen) && !studentBoard.record(alsoStolen), 5000, 'the refused shapes rolled back');

		// The teacher's session was never replaced nor closed: still the first connection, and writable.
		const mine = teacherBoard.createRect(boardId, 300, 300);
		const room = await t.app.boards.lessonBoard(lesson.lesson.id);
		await waitFor(() => room.shapesOn(boardId).some((s) => s.id === mine), 5000, "the teacher's shape on the server");
		await waitFor(() => observerBoard.record(mine), 5000, "the teacher's shape at the observer");
		expect(teacherBoard.connects).toBe(1);
		expect(teacherBoard.isReadonly).toBe(false);
		expect(teacherBoard.socket.connectionStatus).toBe('online');
		expect(room.shapesOn(boardId).map((s) => s.id)).toEqual([mine]);
		expect(await t.app.boards.sessionCount()).toBe(3);
	});
});

describe("a read-only session's presence shows on no page", () => {
	let t: TestApp;
	let lesson: TestLesson;
	beforeAll(async () => {
		t = await startTestApp();
		lesson = await createLesson(t, 1);
	});
	afterAll(async () => {
		await t.stop();
	});

	it("an observer naming the shown page in its presence (a cursor, a name, cursor chat) is kept off it", async () => {
		const teacher = new TestClient(t.url, lesson.token('teacher'));
		await teacher.joinLesson();
		const { id: boardId } = await teacher.ok('board.addBlank', {});
		await teacher.ok('surface.show', { view: { kind: 'blank', boardId } });
		const teacherBoard = new BoardTestClient(t.url, lesson.token('teacher'));
		const observer = await RawBoardSocket.open(t.url, lesson.token('observer'));
		try {
			await teacherBoard.ready;
			const presence = InstancePresenceRecordType.create({
				id: InstancePresenceRecordType.createId('x'),
				userId: 'user:x' as TLInstancePresence['userId'],
				userName: 'Ms Chen',
				currentPageId: pageIdOf(boardId) as TLPageId,
				cursor: { x: 400, y: 300, type: 'default', rotation: 0 },
				chatMessage: 'Class dismissed, go home'
			});
			observer.send(JSON.stringify({ type: 'push', clientClock: 1, presence: ['put', presence] }));
			const shown = () => teacherBoard.store.allRecords().find((r): r is TLInstancePresence => r.typeName === 'instance_presence' && r.userName === 'Ms Chen');
			await waitFor(shown, 5000, "the observer's presence at the teacher");
			expect(shown()?.currentPageId).toBe(VIEWER_PAGE_ID);
			observer.send(JSON.stringify({ type: 'push', clientClock: 2, presence: ['patch', { currentPageId: ['put', pageIdOf(boardId)], chatMessage: ['put', 'again'] }] }));
			await waitFor(() => shown()?.chatMessage === 'again', 5000, 'the patch at the teacher');
			expect(shown()?.currentPageId).toBe(VIEWER_PAGE_ID);
			expect(observer.open).toBe(true);
		} finally {
			observer.close();
			teacherBoard.close();
			teacher.close();
		}
	});
});

describe('a granted drawer writes shapes on the shown page only', () => {
	let dataDir: string;
	let t: TestApp;
	let lesson: TestLesson;
	let teacher: TestClient;
	let student: { id: string; token: string };
	let studentSocket: TestClient;
	let shown: string;
	let other: string;
	const boards: BoardTestClient[] = [];
	const board = (token: string) => {
		const client = new BoardTestClient(t.url, token);
		boards.push(client);
		return client;
	};
	const room = (): Promise<LessonBoard> => t.app.boards.lessonBoard(lesson.lesson.id);

	/** The student's refused write: the server copy stays as it was, and the client is set back to it. */
	const refused = async (drawer: BoardTestClient, write: () => void, ids: string[]) => {
		const before = sorted((await room()).allRecords());
		const refusals = drawer.custom.length;
		write();
		await waitFor(() => drawer.custom.length > refusals, 5000, 'the refusal');
		expect(drawer.custom.at(-1)).toEqual({ type: 'cb.refused', reason: 'shown_board_only' });
		await waitFor(() => drawer.settled, 5000, 'the push answered');
		const server = await room();
		for (const id of ids) {
			await waitFor(() => JSON.stringify(drawer.record(id) ?? null) === JSON.stringify(server.allRecords().find((r) => r.id === id) ?? null), 5000, `the client corrected on ${id}`);
		}
		expect(sorted(server.allRecords())).toBe(before);
	};

	beforeAll(async () => {
		dataDir = await mkdtemp(path.join(tmpdir(), 'cb-board-scope-'));
		t = await startTestApp({}, dataDir);
		({ lesson, teacher, student, studentSocket, shown, other } = await drawerLesson(t, 'Zhang Min'));
	});
	afterAll(async () => {
		for (const b of boards) b.close();
		teacher.close();
		studentSocket.close();
		await t.stop();
		await rm(dataDir, { recursive: true, force: true });
	});

	it('draws, groups and deletes on the shown page', async () => {
		const drawer = board(student.token);
		await drawer.ready;
		expect(drawer.isReadonly).toBe(false);
		const rect = drawer.createRect(shown, 40, 40);
		const { group, children } = drawer.createGroup(shown, 2);
		await waitFor(async () => (await room()).shapesOn(shown).some((s) => s.id === rect), 5000, 'the rectangle on the server');
		await waitFor(async () => (await room()).allRecords().filter((r) => children.includes(r.id) && r.typeName === 'shape' && r.parentId === group).length === 2, 5000, 'the group');
		const arrowTo = createBindingId();
		drawer.store.put([arrowBinding(arrowTo, rect, group)]);
		await waitFor(async () => (await room()).allRecords().some((r) => r.id === arrowTo), 5000, 'the binding between two shapes on the page');
		// A group and its children go in one push; the children are still on the page as it was.
		drawer.remove(group, ...children);
		await waitFor(async () => !(await room()).allRecords().some((r) => r.id === group || children.includes(r.id)), 5000, 'the group deleted');
		expect(drawer.custom).toEqual([]);
		drawer.remove(rect, arrowTo);
		await waitFor(async () => (await room()).shapesOn(shown).length === 0, 5000, 'the page empty again');
	});

	it('cannot delete a page, rename the document, nor write assets', async () => {
		const drawer = board(student.token);
		await drawer.ready;
		await refused(drawer, () => drawer.remove(pageIdOf(other)), [pageIdOf(other)]);
		expect(drawer.hasPage(other)).toBe(true);
		await refused(drawer, () => drawer.update(pageIdOf(shown), { name: 'Mine now' }), [pageIdOf(shown)]);
		await refused(drawer, () => drawer.update('document:document', { name: 'Hacked' }), ['document:document']);
		const asset = { id: 'asset:tracker', typeName: 'asset', type: 'image', props: { name: 'x.png', src: 'https://tracker.example/x.png', w: 10, h: 10, mimeType: 'image/png', isAnimated: false }, meta: {} };
		await refused(drawer, () => drawer.store.put([asset as unknown as TLRecord]), [asset.id]);
		await refused(drawer, () => drawer.store.put([{ id: pageIdOf('b_mine'), typeName: 'page', name: 'Mine', index: 'a9', meta: {} } as unknown as TLRecord]), [pageIdOf('b_mine')]);
	});

	it("cannot draw on another page, move a shape there, nor touch that page's shapes (grouped ones included)", async () => {
		const teacherBoard = board(lesson.token('teacher'));
		const drawer = board(student.token);
		await Promise.all([teacherBoard.ready, drawer.ready]);
		const theirs = teacherBoard.createRect(other, 100, 100);
		const { group: theirGroup, children: [theirChild = ''] } = teacherBoard.createGroup(other, 1);
		await waitFor(() => drawer.record(theirChild), 5000, "the teacher's shapes at the student");

		await refused(drawer, () => drawer.createRect(other, 10, 10), []);
		expect(drawer.shapesOn(other).map((s) => s.id).sort()).toEqual([theirs, theirGroup].sort());
		const mine = drawer.createRect(shown, 10, 10);
		await waitFor(async () => (await room()).shapesOn(shown).some((s) => s.id === mine), 5000, 'the shape on the shown page');
		await refused(drawer, () => drawer.update(mine, { parentId: pageIdOf(other) }), [mine]);
		expect((drawer.record(mine) as { parentId?: string } | undefined)?.parentId).toBe(pageIdOf(shown));
		await refused(drawer, () => drawer.update(mine, { parentId: theirGroup }), [mine]);
		await refused(drawer, () => drawer.moveShape(theirs, 900), [theirs]);
		await refused(drawer, () => drawer.moveShape(theirChild, 900), [theirChild]);
		await refused(drawer, () => drawer.update(theirChild, { parentId: pageIdOf(shown) }), [theirChild]);
		await refused(drawer, () => drawer.remove(theirGroup, theirChild), [theirGroup, theirChild]);
		await refused(drawer, () => drawer.createRectIn(theirGroup, 0, 0), []);
		const binding = createBindingId();
		await refused(drawer, () => drawer.store.put([arrowBinding(binding, mine, theirs)]), [binding]);
		// A shape whose parent is itself leads to no page.
		const loop = createShapeId();
		await refused(drawer, () => drawer.store.put([{ ...(drawer.record(mine) as object), id: loop, parentId: loop } as unknown as TLRecord]), [loop]);

		// The teacher keeps every right: moving a shape to another page is fine.
		teacherBoard.update(mine, { parentId: pageIdOf(other) });
		await waitFor(async () => (await room()).shapesOn(other).some((s) => s.id === mine), 5000, "the teacher's move");
	});

	it('follows the shown board as the teacher turns pages, and after a restart', async () => {
		await teacher.ok('surface.show', { view: { kind: 'blank', boardId: other } });
		expect((await room()).shownBoard).toBe(other);
		const drawer = board(student.token);
		await drawer.ready;
		const now = drawer.createRect(other, 600, 300);
		await waitFor(async () => (await room()).shapesOn(other).some((s) => s.id === now), 5000, 'a shape on the newly shown page');
		await refused(drawer, () => drawer.createRect(shown, 10, 10), []);

		await teacher.ok('surface.show', { view: { kind: 'none' } });
		expect((await room()).shownBoard).toBe(null);
		await refused(drawer, () => drawer.moveShape(now, 650), [now]);
		await teacher.ok('surface.show', { view: { kind: 'blank', boardId: other } });

		for (const b of boards.splice(0)) b.close();
		teacher.close();
		studentSocket.close();
		await t.stop();
		t = await startTestApp({}, dataDir);
		expect((await room()).shownBoard).toBe(other);
		const again = board(student.token);
		await again.ready;
		expect(again.isReadonly).toBe(false);
		const after = again.createRect(other, 700, 300);
		await waitFor(async () => (await room()).shapesOn(other).some((s) => s.id === after), 5000, 'a shape on the shown page after the restart');
		await refused(again, () => again.createRect(shown, 10, 10), []);
		teacher = new TestClient(t.url, lesson.token('teacher'));
		studentSocket = new TestClient(t.url, student.token);
	});
});

function arrowBinding(id: string, fromId: string, toId: string): TLRecord {
	return {
		id,
		typeName: 'binding',
		type: 'arrow',
		fromId,
		toId,
		props: { terminal: 'end', normalizedAnchor: { x: 0.5, y: 0.5 }, isExact: false, isPrecise: false, snap: 'none' },
		meta: {}
	} as unknown as TLRecord;
}
