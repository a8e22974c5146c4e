import {
	BOARD_WIDTH,
	EMPTY_SURFACE,
	boardOfView,
	type DeckInfo,
	type Participant,
	type Role,
	type SurfaceState,
	type SurfaceView
} from '$protocol';

/** The fixed area every screen shows of a board, in board units. */
export interface BoardFrame {
	width: number;
	height: number;
}

export const BLANK_FRAME: BoardFrame = { width: BOARD_WIDTH, height: Math.round((BOARD_WIDTH * 9) / 16) };

export function surfaceOf(snapshot: { surface?: SurfaceState } | null | undefined): SurfaceState {
	return snapshot?.surface ?? EMPTY_SURFACE;
}

export function deckOfView(view: SurfaceView, decks: readonly DeckInfo[]): DeckInfo | undefined {
	return view.kind === 'deck' ? decks.find((d) => d.id === view.deckId) : undefined;
}

/** Deck pages keep their own aspect; blank boards are 16:9. Null when nothing is shown. */
export function frameOfView(view: SurfaceView, decks: readonly DeckInfo[]): BoardFrame | null {
	if (view.kind === 'blank') return BLANK_FRAME;
	if (view.kind !== 'deck') return null;
	const size = deckOfView(view, decks)?.pages[view.page - 1];
	return size ? frameOfPage(size) : null;
}

/** A deck page's board frame: BOARD_WIDTH wide, the page's aspect. */
export function frameOfPage(size: { width: number; height: number }): BoardFrame | null {
	if (size.width <= 0 || size.height <= 0) return null;
	return { width: BOARD_WIDTH, height: Math.round((BOARD_WIDTH * size.height) / size.width) };
}

/** The largest box of the frame's aspect that fits the space (whole pixels), or null before layout. */
export function letterbox(frame: BoardFrame | null, outerWidth: number, outerHeight: number): { width: number; height: number } | null {
	if (!frame || outerWidth <= 0 || outerHeight <= 0) return null;
	const aspect = frame.width / frame.height;
	const width = Math.min(outerWidth, outerHeight * aspect);
	return { width: Math.floor(width), height: Math.floor(width / aspect) };
}

export { boardOfView };

/** The teacher always may draw; anyone else once the teacher granted it. */
export function mayDraw(role: Role | null, selfId: string | null, surface: SurfaceState): boolean {
	if (role === 'teacher') return true;
	return !!selfId && surface.drawers.includes(selfId);
}

/** Who the teacher can hand the pen to: room devices, assistants and students. */
export function canBeGrantedDrawing(p: Pick<Participant, 'role'>): boolean {
	return p.role === 'classroom' || p.role === 'assistant' || p.role === 'student';
}

/** The page a deck opens on: where it was left, else the first. */
export function resumePage(surface: SurfaceState, deck: DeckInfo): number {
	const page = surface.deckPages[deck.id] ?? 1;
	return Math.min(Math.max(1, page), Math.max(1, deck.pageCount));
}

/** The view for page `page` of the shown deck, clamped to the deck; null when it would not change. */
export function turnTo(view: SurfaceView, decks: readonly DeckInfo[], page: number): SurfaceView | null {
	const deck = deckOfView(view, decks);
	if (!deck || view.kind !== 'deck') return null;
	const next = Math.min(Math.max(1, Math.round(page)), deck.pageCount);
	return next === view.page ? null : { kind: 'deck', deckId: deck.id, page: next };
}

/** A short label for a view, for export file names. */
export function exportFileName(view: SurfaceView, decks: readonly DeckInfo[], blankNumber: number | null): string {
	const deck = deckOfView(view, decks);
	if (deck && view.kind === 'deck') return `${safeName(deck.title)}-p${view.page}.png`;
	return `board-${blankNumber ?? 1}.png`;
}

function safeName(title: string): string {
	const cleaned = title.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '_').trim();
	return cleaned || 'slides';
}
