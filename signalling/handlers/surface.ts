import { randomBytes } from 'node:crypto';
import { invalid, notFound, forbidden } from '../../core/errors.ts';
import { blankBoardId, boardOfView, deckBoardId, type DeckInfo, type SurfaceView } from '../../protocol/index.ts';
import type { StoredSurface } from '../store/LessonStore.ts';
import { pending } from '../lesson/commit.ts';
import type { Handler } from './context.ts';

/** Roles the teacher may let draw. */
const GRANTABLE = new Set(['classroom', 'assistant', 'student']);

export const showSurface: Handler<'surface.show'> = async ({ session, peer }, { view }) => {
	const [surface, decks] = await Promise.all([session.storedSurface(), session.decks()]);
	const boardName = await checkView(view, surface, decks);
	const boardId = boardOfView(view);
	if (boardId && boardName) await (await session.boards.lessonBoard(session.lessonId)).ensureBoards([{ id: boardId, name: boardName }]);
	if (sameView(surface.view, view)) return null;
	await session.commit(peer, {
		apply: async () => {
			surface.view = view;
			if (view.kind === 'deck') surface.deckPages[view.deckId] = view.page;
			await session.saveSurface(surface);
			await session.boards.showBoard(session.lessonId, boardId);
		},
		events: () => [
			pending('slide.shown', {
				kind: view.kind,
				deckId: view.kind === 'deck' ? view.deckId : null,
				page: view.kind === 'deck' ? view.page : null,
				boardId
			})
		]
	});
	return null;
};

export const addBlankBoard: Handler<'board.addBlank'> = async ({ session, peer }) => {
	const surface = await session.storedSurface();
	const number = Math.max(0, ...surface.blankBoards.map((b) => b.number)) + 1;
	const board = { id: blankBoardId(randomBytes(5).toString('hex')), number, createdAt: Date.now() };
	await (await session.boards.lessonBoard(session.lessonId)).ensureBoards([{ id: board.id, name: `Board ${number}` }]);
	return session.commit(peer, {
		apply: async () => {
			surface.blankBoards.push(board);
			await session.saveSurface(surface);
			return board;
		},
		events: () => [pending('board.added', { boardId: board.id, number })]
	});
};

export const setDrawer: Handler<'board.setDrawer'> = async ({ session, peer }, { participantId, canDraw }) => {
	const participant = (await session.store.participants(session.lessonId)).find((p) => p.id === participantId);
	if (!participant) throw notFound(`participant ${participantId} is not in this lesson`);
	if (!GRANTABLE.has(participant.role)) throw forbidden(`drawing can be granted to classrooms, assistants and students, not a ${participant.role}`);
	const surface = await session.storedSurface();
	const has = surface.drawers.includes(participantId);
	if (has === canDraw) return null;
	await session.commit(peer, {
		apply: async () => {
			surface.drawers = canDraw ? [...surface.drawers, participantId] : surface.drawers.filter((id) => id !== participantId);
			await session.saveSurface(surface);
			(await session.boards.lessonBoard(session.lessonId)).setAccess(participantId, canDraw);
		},
		events: () => [pending(canDraw ? 'board.granted' : 'board.revoked', { participantId })]
	});
	return null;
};

export const clearBoard: Handler<'board.clear'> = async ({ session, peer }, { boardId }) => {
	const [surface, decks] = await Promise.all([session.storedSurface(), session.decks()]);
	if (!isKnownBoard(boardId, surface, decks)) throw notFound(`board ${boardId} is not in this lesson`);
	const removed = await session.commit(peer, {
		apply: async () => (await session.boards.lessonBoard(session.lessonId)).clearBoard(boardId),
		events: (removed) => [pending('board.cleared', { boardId, removed })],
		broadcast: 'none'
	});
	return { removed };
};

/** Throws unless the view names a deck page or blank board of this lesson; returns the board's name. */
async function checkView(view: SurfaceView, surface: StoredSurface, decks: DeckInfo[]): Promise<string | null> {
	if (view.kind === 'none') return null;
	if (view.kind === 'blank') {
		const board = surface.blankBoards.find((b) => b.id === view.boardId);
		if (!board) throw notFound(`no blank board ${view.boardId} in this lesson`);
		return `Board ${board.number}`;
	}
	const deck = decks.find((d) => d.id === view.deckId);
	if (!deck) throw notFound(`no deck ${view.deckId} in this lesson`);
	if (view.page > deck.pageCount) throw invalid(`deck "${deck.title}" has ${deck.pageCount} pages; there is no page ${view.page}`);
	return `${deck.title} ${view.page}`;
}

function isKnownBoard(boardId: string, surface: StoredSurface, decks: DeckInfo[]): boolean {
	if (surface.blankBoards.some((b) => b.id === boardId)) return true;
	return decks.some((d) => {
		const prefix = deckBoardId(d.id, 0).slice(0, -1);
		if (!boardId.startsWith(prefix)) return false;
		const page = Number(boardId.slice(prefix.length));
		return Number.isInteger(page) && page >= 1 && page <= d.pageCount;
	});
}

function sameView(a: SurfaceView, b: SurfaceView): boolean {
	return JSON.stringify(a) === JSON.stringify(b);
}

