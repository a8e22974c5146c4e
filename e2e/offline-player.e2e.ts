import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test, type Browser } from '@playwright/test';
import { startServerProcess } from '../app/testing/serverProcess.ts';
import { MARKS, writeLessonFixture } from '../recorder/packages/testing/lessonFixture.ts';
import { readZip } from '../recorder/packages/testing/zipTools.ts';
import { launchChromium, shot } from './support.ts';

/**
 * The offline player: a package exported by a real server (then stopped) is unzipped into a folder
 * and its index.html opened from file:// in a context with the network off. The video plays, and
 * seeking to marked times shows the right slide page and board state, chat and poll.
 */
test.describe.configure({ mode: 'serial' });

let browser: Browser;
let folder = '';
const LESSON = 'lesson_offline1';

test.beforeAll(async () => {
	const dataDir = await mkdtemp(path.join(tmpdir(), 'cb16-offline-data-'));
	folder = await mkdtemp(path.join(tmpdir(), 'cb16-usb-'));
	await writeLessonFixture(dataDir, LESSON, { seconds: 8 });
	const server = await startServerProcess({ DATA_DIR: dataDir });
	let zip: Buffer;
	try {
		const res = await fetch(`${server.url}/api/recordings/${LESSON}/export`, { headers: { authorization: `Bearer ${server.adminToken}` } });
		expect(res.status).toBe(200);
		zip = Buffer.from(await res.arrayBuffer());
	} finally {
		await server.stop();
		await rm(dataDir, { recursive: true, force: true });
	}
	for (const [name, data] of await readZip(zip)) {
		await mkdir(path.dirname(path.join(folder, name)), { recursive: true });
		await writeFile(path.join(folder, name), data);
	}
	browser = await launchChromium();
});

test.afterAll(async () => {
	await browser?.close();
	if (folder) await rm(folder, { recursive: true, force: true });
});

test('plays from file:// with the network off; seeking shows the page and board of that time', async () => {
	const context = await browser.newContext({ offline: true, locale: 'zh-CN', viewport: { width: 1366, height: 768 } });
	const page = await context.newPage();
	const requests: string[] = [];
	page.on('request', (r) => requests.push(r.url()));
	await page.goto(pathToFileURL(path.join(folder, 'index.html')).href);
	await expect(page.locator('#cb-title')).toHaveText('Fractions 分数');
	await expect(page.locator('#cb-chapters-title')).toHaveText('章节');

	await page.locator('#cb-play').click();
	await expect.poll(() => page.evaluate(() => (document.getElementById('cb-program') as HTMLVideoElement).currentTime), { timeout: 30_000 }).toBeGreaterThan(0.5);
	await page.locator('#cb-play').click();
	expect(await page.evaluate(() => (document.getElementById('cb-program') as HTMLVideoElement).videoWidth)).toBeGreaterThan(0);

	const seek = (ms: number) => page.evaluate((t) => window.__cbOffline!.seek(t), ms);
	const stage = page.locator('#cb-stage');

	await seek(MARKS.page1Board);
	await expect(stage).toHaveAttribute('data-view', 'deck1:1');
	await expect(stage).toHaveAttribute('data-shapes', 'shape:box1');
	await expect(page.locator('#cb-slide')).toHaveAttribute('src', 'player/slides/deck1/1.png');
	await expect.poll(() => page.evaluate(() => (document.getElementById('cb-slide') as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
	await expect(page.locator('#cb-chat li')).toHaveCount(1);
	await expect(page.locator('#cb-chat')).not.toContainText('Li Lei');

	await seek(MARKS.page2 + 300);
	await expect(stage).toHaveAttribute('data-view', 'deck1:2');
	await expect(stage).toHaveAttribute('data-shapes', '');
	await expect(page.locator('#cb-slide')).toHaveAttribute('src', 'player/slides/deck1/2.png');

	await seek(MARKS.page2Board);
	await expect(stage).toHaveAttribute('data-shapes', 'shape:circle2');
	await expect(page.locator('[data-shape-id="shape:circle2"]')).toBeVisible();
	await expect(page.locator('#cb-polls [data-poll-id="poll1"]')).toContainText('Which is bigger?');
	await shot(page, 'offline-player-zh');

	await page.locator('#cb-lang').click();
	await expect(page.locator('#cb-chapters-title')).toHaveText('Chapters');
	await page.locator('#cb-speed').selectOption('1.5');
	expect(await page.evaluate(() => (document.getElementById('cb-program') as HTMLVideoElement).playbackRate)).toBe(1.5);
	await seek(MARKS.page1Board);
	await expect(stage).toHaveAttribute('data-shapes', 'shape:box1');
	await shot(page, 'offline-player-en');

	expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
	await context.close();
});
