import { expect, type Page } from '@playwright/test';

/** What `window.__classbridge.board` and `.slides` report (web/lib/live/test-hooks.ts). */
export interface ShapeInfo {
	id: string;
	type: string;
	x: number;
	y: number;
	props: Record<string, unknown>;
}

interface SurfaceHooks {
	board: {
		boardId(): string | null;
		shapes(): ShapeInfo[];
		createRect(x: number, y: number, w: number, h: number): string;
		canDraw(): boolean;
	};
	slides: { page(): number | null; text(): string; rendered(): boolean };
	state(): { selfId: string | null };
}

type Hooks = { __classbridge?: SurfaceHooks };

export const board = {
	id: (page: Page) => page.evaluate(() => (window as unknown as Hooks).__classbridge?.board.boardId() ?? null),
	shapes: (page: Page) => page.evaluate(() => (window as unknown as Hooks).__classbridge?.board.shapes() ?? []),
	canDraw: (page: Page) => page.evaluate(() => (window as unknown as Hooks).__classbridge?.board.canDraw() ?? false),
	createRect: (page: Page, x: number, y: number, w: number, h: number) =>
		page.evaluate(([a, b, c, d]) => (window as unknown as Hooks).__classbridge?.board.createRect(a, b, c, d) ?? '', [x, y, w, h] as const)
};

export const slides = {
	/** The page on screen once its canvas and text layer are both done, else null. */
	renderedPage: (page: Page) =>
		page.evaluate(() => {
			const s = (window as unknown as Hooks).__classbridge?.slides;
			return s?.rendered() ? s.page() : null;
		}),
	text: (page: Page) => page.evaluate(() => (window as unknown as Hooks).__classbridge?.slides.text() ?? '')
};

export const selfId = (page: Page) => page.evaluate(() => (window as unknown as Hooks).__classbridge?.state().selfId ?? null);

/** Waits until the shown board has a shape with this id (or, with `gone`, until it has none). */
export async function expectShape(page: Page, id: string, what: string, options: { gone?: boolean; timeout?: number } = {}): Promise<void> {
	await expect
		.poll(async () => (await board.shapes(page)).some((s) => s.id === id), { timeout: options.timeout ?? 15_000, message: what })
		.toBe(!options.gone);
}

/** A point on the board canvas, given as fractions of its width and height. */
export async function boardPoint(page: Page, fx: number, fy: number): Promise<[number, number]> {
	const canvas = await page.locator('[data-testid="surface"] .tl-canvas').boundingBox();
	if (!canvas) throw new Error('no board canvas on screen');
	return [canvas.x + canvas.width * fx, canvas.y + canvas.height * fy];
}

/** Drags with tldraw's own tool from one point to another, in fractions of the canvas. */
export async function dragOnBoard(page: Page, tool: string, from: [number, number], to: [number, number]): Promise<void> {
	await page.locator(`[data-testid="tools.${tool}"]`).click();
	await page.mouse.move(...(await boardPoint(page, ...from)));
	await page.mouse.down();
	await page.mouse.move(...(await boardPoint(page, ...to)), { steps: 12 });
	await page.mouse.up();
}

/** The classroom canvas's backing store against its CSS box, in device pixels. */
export function slideCanvasSize(page: Page): Promise<{ width: number; cssWidth: number; dpr: number }> {
	return page.evaluate(() => {
		const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="slide-page"] canvas');
		return { width: canvas?.width ?? 0, cssWidth: canvas?.getBoundingClientRect().width ?? 0, dpr: window.devicePixelRatio };
	});
}
