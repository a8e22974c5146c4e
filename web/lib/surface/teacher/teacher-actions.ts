import type { DeckInfo, SurfaceView } from '$protocol';
import type { LiveSession } from '../../live/session.svelte.ts';
import { t } from '../../i18n/index.svelte.ts';
import { BLANK_FRAME, boardOfView, exportFileName, frameOfView, resumePage, surfaceOf, turnTo } from '../surface-model.ts';

/** The teacher's surface requests; failures become toasts (LiveSession.act). */

export function showView(session: LiveSession, view: SurfaceView): Promise<unknown> {
	return session.act('surface.show', { view });
}

export function showDeck(session: LiveSession, deck: DeckInfo): Promise<unknown> {
	const surface = surfaceOf(session.lesson.snapshot);
	return showView(session, { kind: 'deck', deckId: deck.id, page: resumePage(surface, deck) });
}

export function turnPage(session: LiveSession, page: number): Promise<unknown> | null {
	const surface = surfaceOf(session.lesson.snapshot);
	const next = turnTo(surface.view, surface.decks, page);
	return next ? showView(session, next) : null;
}

export function turnBy(session: LiveSession, delta: number): Promise<unknown> | null {
	const view = surfaceOf(session.lesson.snapshot).view;
	return view.kind === 'deck' ? turnPage(session, view.page + delta) : null;
}

export async function addBlankBoard(session: LiveSession): Promise<void> {
	const blank = await session.act('board.addBlank', {});
	if (blank) await showView(session, { kind: 'blank', boardId: blank.id });
}

export async function clearBoard(session: LiveSession): Promise<void> {
	const boardId = boardOfView(surfaceOf(session.lesson.snapshot).view);
	if (!boardId || !window.confirm(t('surface.clearConfirm'))) return;
	const result = await session.act('board.clear', { boardId });
	if (result) session.toasts.show(t('surface.cleared', { count: result.removed }), 'info');
}

/** True when the server took it (its answer is null either way, so act() cannot tell). */
export async function setDrawer(session: LiveSession, participantId: string, canDraw: boolean): Promise<boolean> {
	try {
		await session.request('board.setDrawer', { participantId, canDraw });
		return true;
	} catch (err) {
		session.toastError(err);
		return false;
	}
}

/** Bitmap size per board unit for exports: a 1600-unit board becomes 3200 px wide. */
const BLANK_EXPORT_SCALE = 2;
/** PDF pages export at 2 device pixels per point. */
const PAGE_EXPORT_SCALE = 2;

/** The page as everyone sees it, drawing included, downloaded as a PNG. */
export async function exportPng(session: LiveSession): Promise<void> {
	const surface = surfaceOf(session.lesson.snapshot);
	const view = surface.view;
	const frame = frameOfView(view, surface.decks);
	const { board, slides } = session.surface;
	if (!frame || !board || board.boardId() !== boardOfView(view)) return;
	try {
		let canvas: HTMLCanvasElement | null;
		if (view.kind === 'deck') {
			canvas = (await slides?.renderForExport(PAGE_EXPORT_SCALE)) ?? null;
		} else {
			canvas = document.createElement('canvas');
			canvas.width = BLANK_FRAME.width * BLANK_EXPORT_SCALE;
			canvas.height = BLANK_FRAME.height * BLANK_EXPORT_SCALE;
			const ctx = canvas.getContext('2d');
			if (ctx) {
				ctx.fillStyle = 'white';
				ctx.fillRect(0, 0, canvas.width, canvas.height);
			}
		}
		if (!canvas) throw new Error('no page');
		const drawing = await board.exportDrawing(frame, canvas.width / frame.width);
		if (drawing) {
			const image = await createImageBitmap(drawing);
			canvas.getContext('2d')?.drawImage(image, 0, 0, canvas.width, canvas.height);
			image.close();
		}
		const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
		if (!blob) throw new Error('encoding failed');
		const number = view.kind === 'blank' ? (surface.blankBoards.find((b) => b.id === view.boardId)?.number ?? null) : null;
		download(blob, exportFileName(view, surface.decks, number));
	} catch (err) {
		session.toasts.show(t('surface.exportFailed', { message: err instanceof Error ? err.message : String(err) }));
	}
}

function download(blob: Blob, name: string): void {
	const url = URL.createObjectURL(blob);
	const a = document.createElement('a');
	a.href = url;
	a.download = name;
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
