import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECKS_API, deckBoardId, type DeckInfo } from '../../protocol/index.ts';
import { BoardTestClient } from '../testing/boardClient.ts';
import { createLesson, startTestApp, TestClient, waitFor, type TestApp, type TestLesson } from '../../app/testing/harness.ts';
import { makeDeck } from '../testing/pdfFixtures.ts';

/** Decks through the whole app: upload over HTTP, show a page over socket.io, its board over /board. */
describe('slides in a live lesson', () => {
	let t: TestApp;
	let lesson: TestLesson;
	let teacher: TestClient;
	let room: TestClient;
	let deck: DeckInfo;
	const boards: BoardTestClient[] = [];

	beforeAll(async () => {
		t = await startTestApp();
		lesson = await createLesson(t, 2);
		teacher = new TestClient(t.url, lesson.token('teacher'));
		room = new TestClient(t.url, lesson.token('classroom', 0));
		await Promise.all([teacher.joinLesson(), room.joinLesson()]);
	});
	afterAll(async () => {
		for (const b of boards) b.close();
		teacher.close();
		room.close();
		await t.stop();
	});

	it('an upload reaches every classroom in the snapshot, with a deck.uploaded event', async () => {
		const res = await fetch(`${t.url}${DECKS_API}?name=${encodeURIComponent('Fractions week 3.pdf')}`, {
			method: 'POST',
			headers: { authorization: `Bearer ${lesson.token('teacher')}`, 'content-type': 'application/pdf' },
			body: await makeDeck(['Page 1: halves', 'Page 2: quarters', 'Page 3: eighths'])
		});
		expect(res.status).toBe(201);
		deck = (await res.json()) as DeckInfo;
		const snap = await room.next('lesson.snapshot', (s) => s.surface.decks.length === 1);
		expect(snap.surface.decks[0]).toMatchObject({ id: deck.id, title: 'Fractions week 3', pageCount: 3 });
		const event = t.events.find((e) => e.type === 'deck.uploaded');
		expect(event).toMatchObject({ actor: `teacher-${lesson.lesson.id}`, role: 'teacher', data: { deckId: deck.id, pageCount: 3, scriptsIgnored: false } });
	});

	it('a classroom cannot upload, and nothing changes', async () => {
		const res = await fetch(`${t.url}${DECKS_API}?name=x.pdf`, {
			method: 'POST',
			headers: { authorization: `Bearer ${lesson.token('classroom', 0)}`, 'content-type': 'application/pdf' },
			body: await makeDeck(['nope'])
		});
		expect(res.status).toBe(403);
		expect((await t.app.signalling.sessions.get(lesson.lesson.id)!.decks()).map((d) => d.id)).toEqual([deck.id]);
	});

	it('showing page 2 turns every classroom to it and opens its board; pages past the end are refused', async () => {
		const roomBoard = new BoardTestClient(t.url, lesson.token('classroom', 0));
		boards.push(roomBoard);
		await roomBoard.ready;
		await teacher.ok('surface.show', { view: { kind: 'deck', deckId: deck.id, page: 2 } });
		const snap = await room.next('lesson.snapshot', (s) => s.surface.view.kind === 'deck' && s.surface.view.page === 2);
		expect(snap.surface.deckPages).toEqual({ [deck.id]: 2 });
		await waitFor(() => roomBoard.hasPage(deckBoardId(deck.id, 2)), 5000, 'the page-2 board at the classroom');
		expect(t.events.filter((e) => e.type === 'slide.shown').map((e) => e.data)).toEqual([
			{ kind: 'deck', deckId: deck.id, page: 2, boardId: deckBoardId(deck.id, 2) }
		]);

		const past = await teacher.send('surface.show', { view: { kind: 'deck', deckId: deck.id, page: 4 } });
		expect(past).toMatchObject({ ok: false, error: { code: 'invalid' } });
		const bad = await teacher.send('surface.show', { view: { kind: 'deck', deckId: deck.id, page: 0 } });
		expect(bad).toMatchObject({ ok: false, error: { code: 'invalid' } });
		expect(room.latestSnapshot()?.surface.view).toEqual({ kind: 'deck', deckId: deck.id, page: 2 });
	});

	it('drawings stay on their page when the teacher turns away and back', async () => {
		const teacherBoard = new BoardTestClient(t.url, lesson.token('teacher'));
		boards.push(teacherBoard);
		await teacherBoard.ready;
		const page2 = deckBoardId(deck.id, 2);
		const shape = teacherBoard.createRect(page2, 10, 10);
		await teacher.ok('surface.show', { view: { kind: 'deck', deckId: deck.id, page: 3 } });
		await teacher.ok('surface.show', { view: { kind: 'deck', deckId: deck.id, page: 2 } });
		const late = new BoardTestClient(t.url, lesson.token('classroom', 1));
		boards.push(late);
		const lateRoom = new TestClient(t.url, lesson.token('classroom', 1));
		const join = await lateRoom.joinLesson();
		lateRoom.close();
		await late.ready;
		expect(join.lesson.surface.view).toEqual({ kind: 'deck', deckId: deck.id, page: 2 });
		expect(late.shapesOn(page2).map((s) => s.id)).toEqual([shape]);
		expect(late.shapesOn(deckBoardId(deck.id, 3))).toEqual([]);
	});

	it('clearing a deck page is the teacher’s alone and only clears that page', async () => {
		const page2 = deckBoardId(deck.id, 2);
		expect(await room.send('board.clear', { boardId: page2 })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		expect(await teacher.send('board.clear', { boardId: deckBoardId(deck.id, 9) })).toMatchObject({ ok: false, error: { code: 'not_found' } });
		expect(await teacher.ok('board.clear', { boardId: page2 })).toEqual({ removed: 1 });
	});
});
