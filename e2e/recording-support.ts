import { expect, type Page } from '@playwright/test';
import type { DeckInfo } from '../protocol/index.ts';
import { serverInfo } from './support.ts';

/** What `window.__classbridge.replay` offers on the replay page (web/lib/recording/replay/test-hooks.ts). */
interface ReplayHooks {
	timeMs(): number;
	durationMs(): number;
	playing(): boolean;
	play(): Promise<void>;
	pause(): void;
	seek(ms: number): Promise<void>;
	surface(): { kind: string; deckId: string | null; page: number | null; boardId: string | null; slideRendered: boolean };
	boardShapeIds(): string[];
	videoWidth(): number;
}

type Hooks = { __classbridge?: { replay?: ReplayHooks } };

export const replay = {
	ready: (page: Page) => page.evaluate(() => !!(window as unknown as Hooks).__classbridge?.replay),
	timeMs: (page: Page) => page.evaluate(() => (window as unknown as Hooks).__classbridge?.replay?.timeMs() ?? -1),
	durationMs: (page: Page) => page.evaluate(() => (window as unknown as Hooks).__classbridge?.replay?.durationMs() ?? -1),
	play: (page: Page) => page.evaluate(() => (window as unknown as Hooks).__classbridge?.replay?.play()),
	pause: (page: Page) => page.evaluate(() => (window as unknown as Hooks).__classbridge?.replay?.pause()),
	seek: (page: Page, ms: number) => page.evaluate((at) => (window as unknown as Hooks).__classbridge?.replay?.seek(at), ms),
	surface: (page: Page) => page.evaluate(() => (window as unknown as Hooks).__classbridge?.replay?.surface() ?? null),
	shapes: (page: Page) => page.evaluate(() => (window as unknown as Hooks).__classbridge?.replay?.boardShapeIds() ?? []),
	videoWidth: (page: Page) => page.evaluate(() => (window as unknown as Hooks).__classbridge?.replay?.videoWidth() ?? 0)
};

/** Uploads a PDF deck as the teacher (the UI upload is covered by teaching-surface.e2e.ts). */
export async function uploadDeck(teacherToken: string, name: string, pdf: Buffer): Promise<DeckInfo> {
	const { url } = serverInfo();
	const res = await fetch(`${url}/api/live/decks?name=${encodeURIComponent(name)}`, {
		method: 'POST',
		headers: { authorization: `Bearer ${teacherToken}`, 'content-type': 'application/pdf' },
		body: new Uint8Array(pdf)
	});
	if (!res.ok) throw new Error(`deck upload: ${res.status} ${await res.text()}`);
	return (await res.json()) as DeckInfo;
}

/** The server time (ms) the current recording part began, read from the teacher's REC indicator. */
export async function recordingSince(page: Page): Promise<number> {
	const indicator = page.getByTestId('rec-indicator');
	await expect(indicator).toHaveAttribute('data-state', 'recording', { timeout: 20_000 });
	const since = Number(await indicator.getAttribute('data-since'));
	if (!Number.isFinite(since) || since <= 0) throw new Error('the REC indicator has no start time');
	return since;
}

/** Waits until `ms` of the recording have passed (the server runs on this machine's clock). */
export async function untilMediaTime(since: number, ms: number): Promise<void> {
	const wait = since + ms - Date.now();
	if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}
