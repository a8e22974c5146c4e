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
