/** A shape as the test hooks report it. */
export interface BoardShapeInfo {
	id: string;
	type: string;
	x: number;
	y: number;
	props: Record<string, unknown>;
}

/** What the mounted tldraw board offers the rest of the page (export, keyboard, test hooks). */
export interface BoardHandle {
	/** The board shown now, or null while its page is not there yet. */
	boardId(): string | null;
	shapes(): BoardShapeInfo[];
	/** Creates a rectangle even when the board is read-only (the tests prove the server refuses it). */
	createRect(x: number, y: number, w: number, h: number): string;
	/** True when the board session may write (the server said so at connect). */
	writable(): boolean;
	hasSelection(): boolean;
	/** The drawing on the current board inside the frame, as a transparent PNG `scale` px per board unit. */
	exportDrawing(frame: { width: number; height: number }, scale: number): Promise<Blob | null>;
}

/** What the mounted slide page offers. */
export interface SlidesHandle {
	page(): number | null;
	text(): string;
	rendered(): boolean;
	/** The current page alone, `scale` device px per PDF point, for export. */
	renderForExport(scale: number): Promise<HTMLCanvasElement | null>;
}

/** The board and slide page mounted in this tab (one main surface per page). */
export class SurfaceRuntime {
	board = $state.raw<BoardHandle | null>(null);
	slides = $state.raw<SlidesHandle | null>(null);
}
