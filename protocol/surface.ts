import { z } from 'zod';
import { IdSchema } from './common.ts';

/**
 * The teaching surface: PDF decks (slides) and tldraw boards. A "board" is one tldraw page in the
 * lesson's board room; every deck page has its own board (the page is its locked background) and
 * the teacher can add blank boards. Board ids are stable strings, so a page's drawings are found
 * again when the teacher comes back to it.
 */

/** Largest page count a deck may have (a deck past it is refused at upload). */
export const MAX_DECK_PAGES = 500;

/** Size of one page in PDF points at scale 1, as the server parse read it (rotation applied). */
export interface PageSize {
	width: number;
	height: number;
}

export interface DeckInfo {
	id: string;
	/** The uploaded file's name without ".pdf", as the teacher sees it. */
	title: string;
	fileName: string;
	pageCount: number;
	bytes: number;
	uploadedAt: number;
	pages: PageSize[];
	/** The file had JavaScript actions. They are never run (pdfjs runs without scripting). */
	scriptsIgnored: boolean;
}

export interface BlankBoard {
	id: string;
	/** 1, 2, 3… in the order the teacher made them. */
	number: number;
	createdAt: number;
}

export type SurfaceView =
	| { kind: 'none' }
	| { kind: 'deck'; deckId: string; page: number }
	| { kind: 'blank'; boardId: string };

export interface SurfaceState {
	/** What every classroom shows. Pages count from 1. */
	view: SurfaceView;
	decks: DeckInfo[];
	blankBoards: BlankBoard[];
	/** The page each deck was last left on, so going back to a deck resumes there. */
	deckPages: Record<string, number>;
	/** Participants the teacher let draw (the teacher always may). */
	drawers: string[];
}

export const EMPTY_SURFACE: SurfaceState = { view: { kind: 'none' }, decks: [], blankBoards: [], deckPages: {}, drawers: [] };

/** The tldraw page a board lives on: `page:` + this id. */
export function deckBoardId(deckId: string, page: number): string {
	return `d_${deckId}_${page}`;
}

export function blankBoardId(id: string): string {
	return `b_${id}`;
}

/** The board a view draws on, or null when nothing is shown. */
export function boardOfView(view: SurfaceView): string | null {
	if (view.kind === 'deck') return deckBoardId(view.deckId, view.page);
	if (view.kind === 'blank') return view.boardId;
	return null;
}

/** The view a `slide.shown` event announced (an incomplete one reads as nothing shown). */
export function viewOfSlideShown(data: { kind: 'deck' | 'blank' | 'none'; deckId: string | null; page: number | null; boardId: string | null }): SurfaceView {
	if (data.kind === 'deck' && data.deckId && data.page) return { kind: 'deck', deckId: data.deckId, page: data.page };
	if (data.kind === 'blank' && data.boardId) return { kind: 'blank', boardId: data.boardId };
	return { kind: 'none' };
}

/** Board pages have a fixed frame so every screen shows the same area: deck pages their own
 * aspect, blank boards 16:9. The frame is BOARD_WIDTH board units wide. */
export const BOARD_WIDTH = 1600;

export const SurfaceViewSchema = z.discriminatedUnion('kind', [
	z.object({ kind: z.literal('none') }).strict(),
	z.object({ kind: z.literal('deck'), deckId: IdSchema, page: z.number().int().min(1).max(MAX_DECK_PAGES) }).strict(),
	z.object({ kind: z.literal('blank'), boardId: IdSchema }).strict()
]);

/**
 * Board sync runs tldraw's own protocol (@tldraw/sync-core) over a WebSocket on the same server:
 * `GET /board?t=<lesson token>&sessionId=…&storeId=…` (useSync adds the last two).
 * The server validates every client message against this envelope before the room sees it.
 */
export const BOARD_SOCKET_PATH = '/board';
export const MAX_BOARD_MESSAGE_BYTES = 512 * 1024;

const RecordOpSchema = z.tuple([z.enum(['put', 'patch', 'remove'])]).rest(z.unknown());

export const BoardClientMessageSchema = z.discriminatedUnion('type', [
	z.looseObject({
		type: z.literal('connect'),
		connectRequestId: z.string().max(100),
		lastServerClock: z.number().int().min(-1),
		protocolVersion: z.number().int(),
		schema: z.looseObject({})
	}),
	z.looseObject({
		type: z.literal('push'),
		clientClock: z.number().int().min(0),
		diff: z.record(z.string().max(200), RecordOpSchema).optional(),
		presence: RecordOpSchema.optional()
	}),
	z.looseObject({ type: z.literal('ping') })
]);
export type BoardClientMessage = z.infer<typeof BoardClientMessageSchema>;

/** Why an upload was refused (HTTP error `code`); nothing is stored for any of them. */
export const DeckRejectionSchema = z.enum(['too_large', 'not_pdf', 'encrypted', 'corrupt', 'too_many_pages', 'parse_timeout']);
export type DeckRejection = z.infer<typeof DeckRejectionSchema>;

/**
 * Slide HTTP routes; every one needs the lesson token (`Authorization: Bearer <t>` or `?t=<t>`):
 *   POST /api/live/decks?name=<file name>   body: the PDF bytes (teacher only) → 201 DeckInfo
 *   GET  /api/live/decks                      → DeckInfo[]
 *   GET  /api/live/decks/<deckId>/file        → the PDF (immutable, private cache, Range)
 *   GET  /api/live/decks/<deckId>/thumbs/<n>  → page n's thumbnail PNG (n from 1)
 * pdfjs's own data (public): /pdfjs/cmaps/*, /pdfjs/standard_fonts/*
 */
export const DECKS_API = '/api/live/decks';

/** Custom messages the server sends on the board socket (tldraw's `custom` channel). */
export type BoardCustomMessage =
	/** Writes were dropped: the session may not draw, or (a granted drawer) they reached past the shown page. */
	| { type: 'cb.refused'; reason: 'read_only' | 'shown_board_only' }
	| { type: 'cb.access'; canDraw: boolean };
