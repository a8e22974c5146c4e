import path from 'node:path';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import type { LessonLinks, LessonRecord } from '../protocol/index.ts';
import { adminApi } from './api.ts';
import { jpxDeck, watchCsp } from './csp-support.ts';
import { uploadDeck, replay } from './recording-support.ts';
import { launchChromium, serverInfo, shot } from './support.ts';
import { board, slides } from './surface-support.ts';

const MEDIA = path.resolve('e2e/.media');

/**
 * The page Content-Security-Policy breaks nothing: every page is opened and used (the live teacher
 * with a PDF deck whose picture needs pdfjs's wasm decoder, the board, recording; the classroom
 * screen; a phone joining; admin, library, replay and analytics) while every CSP violation is
 * collected, and none may occur.
 */
test.describe.configure({ mode: 'serial' });

let browser: Browser;
let live: BrowserContext;
let staff: BrowserContext;
let liveCsp: { violations: string[] };
let staffCsp: { violations: string[] };
let lesson: LessonRecord;
let links: LessonLinks;

function request(page: Page, name: string, payload: unknown): Promise<unknown> {
	return page.evaluate(
		([n, p]) => (window as never as { __classbridge: { request(n: string, p: unknown): Promise<unknown> } }).__classbridge.request(n, p),
		[name, payload] as const
	);
}

/** The red of the deck's JPEG 2000 picture, read from the rendered slide canvas. */
async function jpxPixelIsRed(page: Page): Promise<boolean> {
	return page.evaluate(() => {
		const canvases = [...document.querySelectorAll<HTMLCanvasElement>('[data-testid="surface"] canvas')].filter((c) => c.width > 200 && !c.closest('.tl-container'));
		return canvases.some((canvas) => {
			const ctx = canvas.getContext('2d');
			if (!ctx) return false;
			const [r, g, b] = ctx.getImageData(Math.round(canvas.width * 0.7), Math.round(canvas.height * 0.6), 1, 1).data;
			return (r ?? 0) > 200 && (g ?? 255) < 60 && (b ?? 255) < 60;
		});
	});
}

test.beforeAll(async () => {
	const tag = Math.random().toString(36).slice(2, 6);
	const school = await adminApi<{ id: string }>('POST', '/api/schools', { name: `CSP school ${tag}`, locale: 'rural' });
	const classroom = await adminApi<{ id: string }>('POST', '/api/classrooms', { schoolId: school.id, name: 'Room A' });
	({ lesson, links } = await adminApi<{ lesson: LessonRecord; links: LessonLinks }>('POST', '/api/lessons', {
		title: `Policy check ${tag}`,
		teacherName: 'Ms Chen',
		classroomIds: [classroom.id]
	}));
	browser = await launchChromium({ video: path.join(MEDIA, 'room-360p.y4m'), audio: path.join(MEDIA, 'tone.wav') });
	live = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-US' });
	staff = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-US' });
	liveCsp = await watchCsp(live);
	staffCsp = await watchCsp(staff);
});

test.afterAll(async () => {
	await browser?.close();
});

test('pages carry the policy: hashes for the inline script, no framing, this host\'s WebSockets', async () => {
	const page = await staff.newPage();
	const res = await page.goto(serverInfo().adminUrl);
	const headers = res?.headers() ?? {};
	const policy = headers['content-security-policy'] ?? '';
	expect(policy).toMatch(/script-src 'self' 'wasm-unsafe-eval' 'sha256-[A-Za-z0-9+/=]+'/);
	expect(policy).not.toMatch(/script-src[^;]*'unsafe-inline'/);
	expect(policy).toContain("frame-ancestors 'none'");
	const host = new URL(serverInfo().url).host;
	expect(policy).toMatch(new RegExp(`connect-src 'self' data: ws://${host.replace(/[.]/g, '\\.')} wss://${host.replace(/[.]/g, '\\.')}`));
	expect(headers['x-frame-options']).toBe('DENY');
	expect(headers['x-content-type-options']).toBe('nosniff');
	expect(headers['referrer-policy']).toBe('same-origin');
	await expect(page.getByTestId('create-lesson')).toBeVisible({ timeout: 20_000 });
	await page.close();

	// The app's scripts (pdfjs's worker among them) and a page that does not exist are covered too.
	const html = await (await fetch(`${serverInfo().url}/admin`)).text();
	const script = /\/_app\/immutable\/[^"']+\.js/.exec(html)?.[0] ?? '';
	expect(script).not.toBe('');
	const asset = await fetch(`${serverInfo().url}${script}`);
	expect(asset.status).toBe(200);
	expect(asset.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; frame-ancestors 'none'/);
	const missing = await fetch(`${serverInfo().url}/no-such-page`);
	expect(missing.status).toBe(404);
	for (const res of [asset, missing]) {
		expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
		expect(res.headers.get('x-frame-options')).toBe('DENY');
		expect(res.headers.get('x-content-type-options')).toBe('nosniff');
		expect(res.headers.get('referrer-policy')).toBe('same-origin');
	}
});

test('live: the teacher shows a PDF deck (wasm-decoded picture), draws on the board and records; the classroom screen and a phone follow', async () => {
	const teacher = await live.newPage();
	const room = await live.newPage();
	await teacher.goto(links.teacher);
	await room.goto(links.classrooms[0]?.room ?? '');
	for (const page of [teacher, room]) await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'connected', { timeout: 30_000 });

	const phoneContext = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN', isMobile: true, hasTouch: true });
	const phoneCsp = await watchCsp(phoneContext);
	const phone = await phoneContext.newPage();
	await phone.goto(`${serverInfo().url}/join/${lesson.joinCodes[lesson.classroomIds[0] ?? ''] ?? ''}`);
	await phone.getByTestId('join-name-input').fill('王小红');
	await phone.getByTestId('join-submit').click();
	await expect(phone.getByTestId('student-live')).toBeVisible({ timeout: 20_000 });
	// A reload revalidates the page: it must come back under the page policy, not an API one.
	await phone.reload();
	await expect(phone.getByTestId('student-live')).toContainText('王小红', { timeout: 20_000 });

	const deck = await uploadDeck(new URL(links.teacher).searchParams.get('t') ?? '', 'policy.pdf', await jpxDeck('A slide with a JPEG 2000 picture'));
	await teacher.getByTestId('record-toggle').click();
	await expect(teacher.getByTestId('record-toggle')).toHaveAttribute('data-state', 'recording', { timeout: 20_000 });
	await request(teacher, 'surface.show', { view: { kind: 'deck', deckId: deck.id, page: 1 } });
	await expect.poll(() => slides.renderedPage(room), { timeout: 30_000, message: 'the slide on the classroom screen' }).toBe(1);
	await expect.poll(() => jpxPixelIsRed(room), { timeout: 15_000, message: 'the JPEG 2000 picture decoded' }).toBe(true);
	// The teacher's board joins its sync room after the deck shows; an edit made before that is not the room's.
	await expect.poll(() => board.canDraw(teacher), { timeout: 20_000, message: "the teacher's board is connected" }).toBe(true);
	const rect = await board.createRect(teacher, 200, 150, 300, 200);
	expect(rect).not.toBe('');
	await expect.poll(async () => (await board.shapes(room)).some((s) => s.id === rect), { timeout: 15_000, message: 'the rectangle on the classroom board' }).toBe(true);
	await shot(room, 'csp-classroom-deck');
	await teacher.waitForTimeout(4000);
	await teacher.getByTestId('end-lesson').click();
	await teacher.getByTestId('end-lesson-confirm').click();
	await expect(teacher.getByTestId('lesson-ended')).toBeVisible({ timeout: 15_000 });

	expect(liveCsp.violations).toEqual([]);
	expect(phoneCsp.violations).toEqual([]);
	await phoneContext.close();
});

test('staff: admin, a lesson\'s links, the library, the replay and analytics', async () => {
	const page = await staff.newPage();
	await page.goto(`${serverInfo().url}/admin`);
	await expect(page.getByTestId('create-lesson')).toBeVisible({ timeout: 20_000 });
	await page.reload();
	await expect(page.getByTestId('create-lesson')).toBeVisible({ timeout: 20_000 });
	await page.goto(`${serverInfo().url}/admin/lessons/${lesson.id}`);
	await expect(page.getByTestId('link-teacher')).toBeVisible({ timeout: 20_000 });

	await page.goto(`${serverInfo().url}/library`);
	const row = page.locator(`[data-testid="library-row"][data-lesson="${lesson.id}"]`);
	await expect(row).toBeVisible({ timeout: 20_000 });
	await expect(row).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });

	await page.goto(`${serverInfo().url}/replay/${lesson.id}`);
	await expect.poll(() => replay.ready(page), { timeout: 30_000 }).toBe(true);
	await replay.play(page);
	await expect.poll(() => replay.timeMs(page), { timeout: 15_000 }).toBeGreaterThan(300);
	await replay.pause(page);
	// Near the end the deck (and its wasm-decoded picture) and the board are on the replay's surface.
	await replay.seek(page, Math.max(0, (await replay.durationMs(page)) - 1500));
	await expect.poll(async () => (await replay.surface(page))?.slideRendered ?? false, { timeout: 20_000 }).toBe(true);
	await shot(page, 'csp-replay');

	await page.goto(`${serverInfo().url}/analytics`);
	await expect(page.getByRole('heading').first()).toBeVisible({ timeout: 20_000 });
	await page.goto(`${serverInfo().url}/analytics/lessons/${lesson.id}`);
	await expect(page.getByRole('heading').first()).toBeVisible({ timeout: 20_000 });
	await page.goto(`${serverInfo().url}/analytics/exports`);
	await expect(page.getByTestId('tokens-panel')).toBeVisible({ timeout: 20_000 });
	await page.waitForTimeout(1000);

	expect(staffCsp.violations).toEqual([]);
});
