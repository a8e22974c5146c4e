import { randomBytes } from 'node:crypto';
import type { Page } from '@playwright/test';
import { PDFDocument } from 'pdf-lib';
import { makeDeck } from '../signalling/testing/pdfFixtures.ts';
import { ROOMS, type Lesson, type RoomName } from './rural-scenario.ts';

type Hooks = {
	__classbridge?: {
		board: { shapes(): { id: string }[]; createRect(x: number, y: number, w: number, h: number): string };
		slides: { page(): number | null; rendered(): boolean };
	};
};

/** The slowest a single reading may take before it counts as never arriving. */
const WAIT_MS = 20_000;

/**
 * A deck of `pages` pages padded with `padKiB` of incompressible filler, so that crossing a poor
 * link takes seconds (as a real deck with pictures does) and its progress can be seen.
 */
export async function ruralDeck(pages: number, padKiB: number): Promise<Buffer> {
	const doc = await PDFDocument.load(await makeDeck(Array.from({ length: pages }, (_, i) => `Village lesson, page ${i + 1}`)));
	doc.context.register(doc.context.stream(new Uint8Array(randomBytes(padKiB * 1024))));
	return Buffer.from(await doc.save({ useObjectStreams: false }));
}

/** The teacher uploads a deck; returns its id. */
export async function uploadDeck(teacher: Page, bytes: Buffer): Promise<string> {
	const known = new Set(await teacher.getByTestId('deck-item').evaluateAll((items) => items.map((i) => i.getAttribute('data-deck'))));
	// The file input is in the teacher's surface panel: open it first.
	if ((await teacher.getByTestId('deck-file-input').count()) === 0) await teacher.getByTestId('surface-toggle').click();
	await teacher.getByTestId('deck-file-input').setInputFiles({ name: 'rural.pdf', mimeType: 'application/pdf', buffer: bytes });
	// The deck list is in the DOM whether or not the teacher's surface panel is open.
	const item = teacher.locator('[data-testid="deck-item"]').last();
	await item.waitFor({ state: 'attached', timeout: 150_000 });
	let id: string | null = null;
	for (let i = 0; i < 180 && !id; i++) {
		const ids = await teacher.getByTestId('deck-item').evaluateAll((items) => items.map((el) => el.getAttribute('data-deck')));
		id = ids.find((d) => d && !known.has(d)) ?? null;
		if (!id) await teacher.waitForTimeout(500);
	}
	if (!id) throw new Error('the uploaded deck never listed');
	if (!(await teacher.getByTestId(`deck-show-${id}`).isVisible())) await teacher.getByTestId('surface-toggle').click();
	return id;
}

/** Whether the room device has the deck in Cache Storage and shows no progress for it. */
export async function deckCached(page: Page, deckId: string): Promise<boolean> {
	const cached = await page.evaluate(async (id) => (await (await caches.open('classbridge-decks-v1')).keys()).some((r) => r.url.includes(id)), deckId);
	return cached && (await page.getByTestId('deck-progress').count()) === 0;
}

/** In the room's page: resolves with Date.now() once `probe` holds (checked every 10 ms), or -1 after WAIT_MS. */
function waitInPage(page: Page, kind: 'page' | 'shape', arg: number): Promise<number> {
	return page.evaluate(
		([k, n, limit]) =>
			new Promise<number>((resolve) => {
				const hooks = (window as unknown as Hooks).__classbridge;
				const known = new Set((hooks?.board.shapes() ?? []).map((s) => s.id));
				const start = Date.now();
				const check = () => {
					const h = (window as unknown as Hooks).__classbridge;
					const done = k === 'page' ? h?.slides.rendered() === true && h.slides.page() === n : (h?.board.shapes() ?? []).some((s) => !known.has(s.id));
					if (done) resolve(Date.now());
					else if (Date.now() - start > limit) resolve(-1);
					else setTimeout(check, 10);
				};
				check();
			}),
		[kind, arg, WAIT_MS] as const
	);
}

/** Latency (ms) per room; -1 where it never arrived. */
export type Latencies = Record<RoomName, number>;

async function timed(lesson: Lesson, kind: 'page' | 'shape', arg: number, act: () => Promise<number>): Promise<Latencies> {
	const waits = ROOMS.map((room) => waitInPage(lesson.rooms[room].page, kind, arg));
	// The waiters must have read the board before the teacher acts.
	await lesson.teacher.waitForTimeout(100);
	const sentAt = await act();
	const arrived = await Promise.all(waits);
	return Object.fromEntries(ROOMS.map((room, i) => [room, arrived[i]! < 0 ? -1 : arrived[i]! - sentAt])) as Latencies;
}

/** The teacher turns to `page` (the page-next button: a `surface.show`); per room, until that page is rendered. */
export function timePageTurn(lesson: Lesson, page: number): Promise<Latencies> {
	return timed(lesson, 'page', page, () =>
		lesson.teacher.evaluate(() => {
			const at = Date.now();
			document.querySelector<HTMLButtonElement>('[data-testid="page-next"]')?.click();
			return at;
		})
	);
}

/** The teacher draws a shape; per room, until its board has it. */
export function timeStroke(lesson: Lesson, n: number): Promise<Latencies> {
	return timed(lesson, 'shape', 0, () =>
		lesson.teacher.evaluate((i) => {
			const at = Date.now();
			(window as unknown as Hooks).__classbridge?.board.createRect(80 + (i % 6) * 120, 80 + Math.floor(i / 6) * 90, 100, 60);
			return at;
		}, n)
	);
}
