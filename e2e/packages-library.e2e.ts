import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { expect, test, type Browser } from '@playwright/test';
import { startServerProcess, type ServerProcess } from '../app/testing/serverProcess.ts';
import { LibraryIndex } from '../recorder/LibraryIndex.ts';
import { PackageStore } from '../recorder/PackageStore.ts';
import { LessonPackages } from '../recorder/packages/LessonPackages.ts';
import { writeLessonFixture } from '../recorder/packages/testing/lessonFixture.ts';
import { launchChromium, shot } from './support.ts';

/**
 * The library page with packages: a school server follows a district (sync) and staff import a
 * package from a third server through the page. The school's library shows both with their origin
 * and the sync status; a damaged upload is refused with its reason; the district's page shows
 * which school holds which lesson and exports a package as one file.
 */
test.describe.configure({ mode: 'serial' });

const SYNCED = 'lesson_lib_sync';
const IMPORTED = 'lesson_lib_import';
const dirs: string[] = [];
let browser: Browser;
let district: ServerProcess;
let school: ServerProcess;
let zipFile = '';

const tempDir = async (name: string) => {
	const dir = await mkdtemp(path.join(tmpdir(), `cb16-${name}-`));
	dirs.push(dir);
	return dir;
};
const libraryUrl = (s: ServerProcess) => `${s.url}/library?token=${encodeURIComponent(s.adminToken)}`;

test.beforeAll(async () => {
	const districtData = await tempDir('lib-district');
	await writeLessonFixture(districtData, SYNCED, { title: 'Water cycle 水循环', seconds: 4 });
	// A package from a third server, made in this process with that server's own key.
	const otherData = await tempDir('lib-other');
	await writeLessonFixture(otherData, IMPORTED, { title: 'Fractions from another district', seconds: 4 });
	const packages = new PackageStore(otherData);
	const library = new LibraryIndex(packages);
	await library.load();
	const other = await LessonPackages.open({ dataDir: otherData, packages, library, trustedKeys: [], maxBytes: 1 << 30, server: 'https://other-district.example.org' });
	zipFile = path.join(otherData, 'fractions.classbridge.zip');
	const out = createWriteStream(zipFile);
	await other.export(IMPORTED, 'pseudonymous', out);
	await finished(out);

	district = await startServerProcess({ DATA_DIR: districtData });
	const api = async <T>(p: string, init: RequestInit = {}) =>
		(await (await fetch(`${district.url}${p}`, { ...init, headers: { authorization: `Bearer ${district.adminToken}`, 'content-type': 'application/json' } })).json()) as T;
	const { publicKey } = await api<{ publicKey: string }>('/api/packages/key');
	const { token } = await api<{ token: string }>('/api/packages/sync-tokens', { method: 'POST', body: JSON.stringify({ school: 'Hillside' }) });
	school = await startServerProcess({
		DATA_DIR: await tempDir('lib-school'),
		SYNC_FROM: district.url,
		SYNC_TOKEN: token,
		TRUSTED_PACKAGE_KEYS: `${publicKey},${other.key.publicKey}`,
		SYNC_INTERVAL_S: '1',
		SYNC_MAX_KBPS: '8000',
		SYNC_HOURS: '0-24'
	});
	browser = await launchChromium();
});

test.afterAll(async () => {
	await browser?.close();
	await school?.stop();
	await district?.stop();
	for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

test('the school library shows a synced and an imported lesson with their origin, and the sync status', async () => {
	const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' })).newPage();
	await page.goto(libraryUrl(school));
	const synced = page.locator(`[data-testid="library-row"][data-lesson="${SYNCED}"]`);
	await expect(synced).toBeVisible({ timeout: 60_000 });
	await expect(synced.getByTestId('library-origin')).toHaveAttribute('data-origin', 'synced');

	await page.getByTestId('package-import').setInputFiles({ name: 'broken.classbridge.zip', mimeType: 'application/zip', buffer: (await readFile(zipFile)).subarray(0, 5000) });
	await expect(page.getByTestId('package-import-result')).toContainText('Refused');
	await expect(page.locator(`[data-testid="library-row"][data-lesson="${IMPORTED}"]`)).toHaveCount(0);

	await page.getByTestId('package-import').setInputFiles(zipFile);
	await expect(page.getByTestId('package-import-result')).toContainText('Imported: Fractions from another district');
	const imported = page.locator(`[data-testid="library-row"][data-lesson="${IMPORTED}"]`);
	await expect(imported).toBeVisible();
	await expect(imported.getByTestId('library-origin')).toHaveAttribute('data-origin', 'imported');
	await expect(imported.getByTestId('library-origin')).toContainText('other-district.example.org');
	await expect(page.getByTestId('sync-status')).toHaveAttribute('data-state', 'idle', { timeout: 30_000 });
	await expect(page.getByTestId('sync-status')).toContainText('1 received');
	await shot(page, 'packages-library-school');
	await page.context().close();
});

test('the district sees which school holds which lesson, and exports a package as one file', async () => {
	const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' })).newPage();
	await page.goto(libraryUrl(district));
	await expect(page.getByTestId('district-holdings')).toContainText('Hillside', { timeout: 30_000 });
	await expect(page.getByTestId('district-holdings')).toContainText('Water cycle 水循环');
	const download = page.waitForEvent('download');
	await page.locator(`[data-testid="library-row"][data-lesson="${SYNCED}"]`).getByTestId('library-export').click();
	expect((await download).suggestedFilename()).toBe('Water cycle 水循环.classbridge.zip');
	await shot(page, 'packages-library-district-zh');
	await page.context().close();
});
