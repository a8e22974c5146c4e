import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test, type Browser } from '@playwright/test';
import { startServerProcess, type ServerProcess } from '../app/testing/serverProcess.ts';
import { writeLessonFixture } from '../recorder/packages/testing/lessonFixture.ts';
import { launchChromium, shot } from './support.ts';

/**
 * Staff start a recorded lesson for a classroom from the library ("Teach in class"): a room picker,
 * then the room screen's and the assistant's links; the room screen opens on the recorded lesson,
 * waiting for the assistant (in English here; taught-again.e2e.ts runs in Chinese).
 */

const LESSON = 'lesson_teach1';
let server: ServerProcess;
let dataDir = '';
let browser: Browser;

test.beforeAll(async () => {
	dataDir = await mkdtemp(path.join(tmpdir(), 'cb16-teach-'));
	await writeLessonFixture(dataDir, LESSON, { seconds: 6, title: 'Water cycle 水循环' });
	server = await startServerProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
	const post = async (route: string, body: unknown) => {
		const res = await fetch(`${server.url}${route}`, { method: 'POST', headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
		expect(res.status).toBe(201);
		return (await res.json()) as { id: string };
	};
	const school = await post('/api/schools', { name: 'Stone Bridge Village School', locale: 'rural' });
	await post('/api/classrooms', { schoolId: school.id, name: 'Grade 5' });
	browser = await launchChromium();
});

test.afterAll(async () => {
	await browser?.close();
	await server?.stop();
	if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test('Teach in class: from the library to the room screen', async () => {
	const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-GB' });
	const library = await context.newPage();
	await library.goto(`${server.url}/library?token=${encodeURIComponent(server.adminToken)}`);
	await library.getByTestId('library-teach').click();
	const dialog = library.getByTestId('teach-dialog');
	await expect(dialog).toBeVisible();
	await expect(dialog.getByTestId('teach-classroom')).toContainText('Grade 5 · Stone Bridge Village School');
	await dialog.getByTestId('teach-create').click();
	const roomLink = dialog.getByTestId('teach-room-link');
	await expect(roomLink).toHaveAttribute('href', /\/live\?t=/);
	await expect(dialog.getByTestId('teach-assistant-link')).toHaveAttribute('href', /\/live\?t=/);
	await expect(dialog.getByTestId('teach-join-code')).toHaveText(/^[A-Z0-9]{6}$/);
	await shot(library, 'taught-again-00-library-teach-dialog');

	const screen = await (await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'en-GB' })).newPage();
	await screen.goto((await roomLink.getAttribute('href')) ?? '');
	await expect(screen.getByTestId('class-replay-stage')).toHaveAttribute('data-status', 'paused');
	await expect(screen.getByTestId('class-replay-overlay')).toContainText('The lesson starts when your assistant presses Play');
	// The recorded video loads from the package with the link in the snapshot: its first frame is there.
	await expect.poll(() => screen.getByTestId('replay-video').evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
	await shot(screen, 'taught-again-09-room-ready-en');
});

test("the room's assistant starts a recorded lesson from the room page; the room screen waiting there opens it", async () => {
	// Staff give the classroom's room page link (admin page, catalog).
	const admin = await (await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' })).newPage();
	await admin.goto(`${server.url}/admin?token=${encodeURIComponent(server.adminToken)}`);
	await admin.getByTestId('catalog-room-link').first().click();
	const roomLink = admin.getByTestId('room-link');
	await expect(roomLink).toHaveAttribute('href', /\/room\?t=/);
	await shot(admin, 'room-page-00-admin-link');
	const link = (await roomLink.getAttribute('href')) ?? '';

	// The room screen waits on the room page.
	const screen = await (await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' })).newPage();
	await screen.goto(link);
	await screen.getByTestId('room-use-as-screen').click();
	await expect(screen.getByTestId('room-screen-waiting')).toContainText('Grade 5');
	await shot(screen, 'room-page-01-screen-waiting-1080p');

	// The assistant's tablet picks the lesson.
	const tablet = await (await browser.newContext({ viewport: { width: 1024, height: 768 }, deviceScaleFactor: 2, hasTouch: true, locale: 'zh-CN' })).newPage();
	await tablet.goto(link);
	await expect(tablet.getByTestId('room-page-classroom')).toContainText('Grade 5 · Stone Bridge Village School');
	const lesson = tablet.locator(`[data-testid="room-lesson"][data-lesson="${LESSON}"]`);
	await expect(lesson).toContainText('Water cycle 水循环');
	await shot(tablet, 'room-page-02-tablet-choose');
	await lesson.getByTestId('room-teach').click();
	await expect(tablet.getByTestId('room-running-title')).toHaveText('Water cycle 水循环');
	await expect(tablet.getByTestId('room-join-code')).toHaveText(/^[A-Z0-9]{6}$/);
	await shot(tablet, 'room-page-03-tablet-ready');

	// The waiting screen opens the lesson by itself; the tablet goes on to the controls and plays.
	await expect(screen).toHaveURL(/\/live\?t=/, { timeout: 15_000 });
	await expect(screen.getByTestId('class-replay-stage')).toHaveAttribute('data-status', 'paused');
	await tablet.getByTestId('room-go-controls').click();
	await expect(tablet.getByTestId('replay-controls')).toBeVisible();
	await tablet.getByTestId('replay-play').click();
	// It plays up to the recording's quiz and stops there for the phones.
	await expect(screen.getByTestId('class-replay-stage')).toHaveAttribute('data-waiting-poll', /\S/);
	// The recorded board of that moment (a rectangle drawn at 1 s on page 1) is on the room screen.
	await expect(screen.locator('.tl-shape[data-shape-id="shape:box1"]')).toBeVisible();
	await shot(screen, 'room-page-05-screen-quiz-1080p');

	// On a phone-sized screen the page still fits.
	const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'en-GB' })).newPage();
	await phone.goto(link);
	await expect(phone.getByTestId('room-running')).toBeVisible();
	const wide = await phone.evaluate(() =>
		[...document.querySelectorAll('body *')]
			.filter((el) => el.getBoundingClientRect().right > 390.5)
			.map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} ${Math.round(el.getBoundingClientRect().right)}`)
	);
	expect(wide, 'elements past the right edge').toEqual([]);
	await shot(phone, 'room-page-04-phone-en');

	// A room page link with a broken token says so.
	await phone.goto(`${server.url}/room?t=nonsense`);
	await expect(phone.getByTestId('room-page-refused')).toBeVisible();
});
