import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProgramWebm, writeFixturePackage } from '../testing/packageFixture.ts';
import { LIBRARY_API, RECORDINGS_API, type LibraryEntry, type RecordingReplay } from '../../protocol/index.ts';
import { startTestApp, type TestApp } from '../../app/testing/harness.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 9, 1, 9, 0, 0);

describe('lesson library and replay over HTTP: who may see what, ranges, paths, search', () => {
	let t: TestApp;
	let dataDir: string;
	let admin: string;
	const teacherOf = (lessonId: string, role: 'teacher' | 'classroom' | 'student' = 'teacher') =>
		t.app.tokens.signLesson({ lessonId, role, classroomId: role === 'teacher' ? null : 'cls_a', participantId: `${role}-${lessonId}`, expiresAt: Date.now() + 3_600_000 });
	const get = (route: string, token?: string, headers: Record<string, string> = {}) =>
		fetch(`${t.url}${route}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
	const list = async (query: string, token = admin) => {
		const res = await get(`${LIBRARY_API}${query}`, token);
		expect(res.status).toBe(200);
		return ((await res.json()) as { entries: LibraryEntry[] }).entries.map((e) => e.lessonId);
	};
	const rawGet = (rawPath: string) =>
		new Promise<{ status: number; contentType: string }>((resolve, reject) => {
			const { hostname, port } = new URL(t.url);
			const req = request({ hostname, port, path: rawPath, method: 'GET' }, (res) => {
				res.resume();
				res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? '') }));
			});
			req.on('error', reject);
			req.end();
		});
	const mediaToken = async (lessonId: string) => ((await (await get(`${RECORDINGS_API}/${lessonId}`, admin)).json()) as RecordingReplay).mediaToken;

	beforeAll(async () => {
		dataDir = await mkdtemp(path.join(tmpdir(), 'cb-library-'));
		const program = path.join(dataDir, 'fixture.webm');
		await makeProgramWebm(program);
		const rooms = { a: { id: 'cls_a', name: 'Hill Room' }, b: { id: 'cls_b', name: 'Valley Room' } };
		await writeFixturePackage(dataDir, { lessonId: 'les_fractions', title: 'Fractions 分数', teacherName: 'Ms Chen', classrooms: [rooms.a], startedAt: T0, program });
		await writeFixturePackage(dataDir, { lessonId: 'les_poetry', title: 'Tang poetry', teacherName: 'Mr Li', classrooms: [rooms.b], startedAt: T0 + DAY, program });
		await writeFixturePackage(dataDir, { lessonId: 'les_decimals', title: 'More fractions: decimals', teacherName: 'Ms Chen', classrooms: [rooms.a, rooms.b], startedAt: T0 + 2 * DAY, program });
		t = await startTestApp({}, dataDir);
		// Written while the server runs, as the finaliser leaves it mid-way (at boot it would be finalised again).
		const busy = await writeFixturePackage(dataDir, { lessonId: 'les_busy', title: 'Geometry', teacherName: 'Mr Wang', classrooms: [rooms.b], startedAt: T0 + 3 * DAY, state: 'finalising' });
		await t.app.recorder.library.put(busy);
		admin = new URL(t.app.adminUrl).searchParams.get('token') ?? '';
	});
	afterAll(async () => {
		await t?.stop();
		await rm(dataDir, { recursive: true, force: true });
	});

	it('refuses requests without a valid token (401) and tokens of other kinds or roles (403)', async () => {
		for (const route of [LIBRARY_API, `${RECORDINGS_API}/les_fractions`, `${RECORDINGS_API}/les_fractions/timeline`, `${RECORDINGS_API}/les_fractions/boards`]) {
			expect((await get(route)).status, route).toBe(401);
			expect((await get(route, 'not-a-token')).status, route).toBe(401);
			expect((await get(route, await teacherOf('les_fractions', 'classroom'))).status, route).toBe(403);
			expect((await get(route, await teacherOf('les_fractions', 'student'))).status, route).toBe(403);
		}
		const body = (await (await get(LIBRARY_API)).json()) as { error: { code: string; message: string } };
		expect(body.error.code).toBe('unauthorized');
		expect((await fetch(`${t.url}${RECORDINGS_API}/les_fractions`, { method: 'DELETE' })).status).toBe(401);
	});

	it('staff see every package, newest first, with its state; a teacher only their own lesson', async () => {
		expect(await list('')).toEqual(['les_busy', 'les_decimals', 'les_poetry', 'les_fractions']);
		const res = await get(LIBRARY_API, admin);
		const entries = ((await res.json()) as { entries: LibraryEntry[] }).entries;
		expect(entries.find((e) => e.lessonId === 'les_busy')).toMatchObject({ state: 'finalising', progress: 0.4, title: 'Geometry' });
		expect(entries.find((e) => e.lessonId === 'les_poetry')).toMatchObject({ state: 'ready', durationMs: 2000, teacherName: 'Mr Li', classrooms: [{ id: 'cls_b', name: 'Valley Room' }] });
		expect(res.headers.get('cache-control')).toBe('no-store');

		const chen = await teacherOf('les_fractions');
		expect(await list('', chen)).toEqual(['les_fractions']);
		expect(await list('?q=poetry', chen)).toEqual([]);
		expect((await get(`${RECORDINGS_API}/les_fractions`, chen)).status).toBe(200);
		for (const sub of ['', '/timeline', '/boards']) {
			const other = await get(`${RECORDINGS_API}/les_poetry${sub}`, chen);
			expect(other.status, sub).toBe(403);
			expect(((await other.json()) as { error: { code: string } }).error.code).toBe('forbidden');
		}
	});

	it('searches by title and teacher (any case), filters by classroom and date', async () => {
		expect(await list('?q=FRACTIONS')).toEqual(['les_decimals', 'les_fractions']);
		expect(await list(`?q=${encodeURIComponent('分数')}`)).toEqual(['les_fractions']);
		expect(await list('?teacher=chen')).toEqual(['les_decimals', 'les_fractions']);
		expect(await list('?classroomId=cls_a')).toEqual(['les_decimals', 'les_fractions']);
		expect(await list('?classroomId=cls_b&teacher=li')).toEqual(['les_poetry']);
		expect(await list(`?from=${T0 + DAY}&to=${T0 + 2 * DAY}`)).toEqual(['les_decimals', 'les_poetry']);
		expect(await list(`?from=${T0 + 10 * DAY}`)).toEqual([]);
		for (const bad of ['?from=yesterday', '?classroomId=../x', '?sort=title']) {
			const res = await get(`${LIBRARY_API}${bad}`, admin);
			expect(res.status, bad).toBe(400);
			expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid');
		}
	});

	it('gives the manifest with a media token, the timeline and the board snapshots; 409 until ready', async () => {
		const replay = (await (await get(`${RECORDINGS_API}/les_fractions`, admin)).json()) as RecordingReplay;
		expect(replay.manifest).toMatchObject({ lessonId: 'les_fractions', state: 'ready', media: { program: { file: 'program.webm' } } });
		expect(replay.mediaTokenExpiresAt - Date.now()).toBeGreaterThan(3 * 3_600_000);
		expect(replay.mediaTokenExpiresAt - Date.now()).toBeLessThanOrEqual(4 * 3_600_000);
		expect(replay.tldrawLicenseKey).toBeNull();
		const timeline = (await (await get(`${RECORDINGS_API}/les_fractions/timeline`, admin)).json()) as { entries: unknown[] };
		expect(timeline.entries).toHaveLength(2);
		const boards = (await (await get(`${RECORDINGS_API}/les_fractions/boards`, admin)).json()) as { snapshots: unknown[] };
		expect(boards.snapshots).toEqual([{ mediaMs: 800, boardId: 'd_deck1_1', records: [{ id: 'page:d_deck1_1', typeName: 'page' }] }]);

		const busy = (await (await get(`${RECORDINGS_API}/les_busy`, admin)).json()) as RecordingReplay;
		expect(busy.manifest).toMatchObject({ state: 'finalising', progress: 0.4 });
		for (const sub of ['/timeline', '/boards', `/files/media/program.webm?m=${busy.mediaToken}`, `/download?m=${busy.mediaToken}`]) {
			const res = await get(`${RECORDINGS_API}/les_busy${sub}`, admin);
			expect(res.status, sub).toBe(409);
			expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_ready');
		}
		expect((await get(`${RECORDINGS_API}/les_nothing`, admin)).status).toBe(404);
	});

	it('serves media with the media token only, with byte ranges and ETags; a download named after the lesson', async () => {
		const m = await mediaToken('les_fractions');
		const file = `${RECORDINGS_API}/les_fractions/files/media/program.webm`;
		expect((await get(file)).status).toBe(401);
		expect((await get(`${file}?m=${admin}`)).status).toBe(401);
		expect((await get(`${file}?m=${await mediaToken('les_poetry')}`)).status).toBe(401);
		// A Bearer token is no media token: <video> sends none, and the query is what is checked.
		expect((await get(file, admin)).status).toBe(401);

		const whole = await get(`${file}?m=${m}`);
		expect(whole.status).toBe(200);
		expect(whole.headers.get('content-type')).toBe('video/webm');
		expect(whole.headers.get('accept-ranges')).toBe('bytes');
		const bytes = Buffer.from(await whole.arrayBuffer());
		expect(bytes.subarray(0, 4).toString('hex')).toBe('1a45dfa3'); // EBML: a WebM file

		const part = await get(`${file}?m=${m}`, undefined, { range: 'bytes=100-199' });
		expect(part.status).toBe(206);
		expect(part.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
		expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);
		const tail = await get(`${file}?m=${m}`, undefined, { range: 'bytes=-10' });
		expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(bytes.length - 10))).toBe(true);
		expect((await get(`${file}?m=${m}`, undefined, { range: `bytes=${bytes.length + 5}-` })).status).toBe(416);
		expect((await get(`${file}?m=${m}`, undefined, { 'if-none-match': whole.headers.get('etag') ?? '' })).status).toBe(304);

		const deck = await get(`${RECORDINGS_API}/les_fractions/files/decks/deck1.pdf?m=${m}`);
		expect(deck.status).toBe(200);
		expect(deck.headers.get('content-type')).toBe('application/pdf');

		const download = await get(`${RECORDINGS_API}/les_fractions/download?m=${m}`);
		expect(download.status).toBe(200);
		expect(download.headers.get('content-disposition')).toBe(`attachment; filename*=UTF-8''${encodeURIComponent('Fractions 分数.webm')}`);
		expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
	});

	it('refuses bad ids and any path outside the package’s own files', async () => {
		const m = await mediaToken('les_fractions');
		for (const sub of [
			'files/manifest.json',
			'files/timeline.jsonl',
			'files/../manifest.json',
			'files/media/../manifest.json',
			'files/media/%2e%2e/manifest.json',
			'files/decks/../../les_poetry/media/program.webm',
			'files/media/raw/part-0/seg-00000.webm',
			'files/media/program.webm/',
			'files//etc/passwd'
		]) {
			// Sent byte for byte: fetch would resolve the dot segments before the server saw them.
			const res = await rawGet(`${RECORDINGS_API}/les_fractions/${sub}?m=${m}`);
			expect(res.status, sub).toBe(404);
			expect(res.contentType, sub).toContain('application/json');
		}
		for (const id of ['..', 'les.fractions', '%2e%2e', 'a'.repeat(65)]) {
			expect((await rawGet(`${RECORDINGS_API}/${id}/timeline`)).status, id).toBe(400);
		}
	});

	it('only staff delete: a teacher gets 403 and the package stays; staff get 204 and it is gone', async () => {
		const poetry = await teacherOf('les_poetry');
		const refused = await fetch(`${t.url}${RECORDINGS_API}/les_poetry`, { method: 'DELETE', headers: { authorization: `Bearer ${poetry}` } });
		expect(refused.status).toBe(403);
		expect(await list('')).toContain('les_poetry');
		const deleted = await fetch(`${t.url}${RECORDINGS_API}/les_poetry`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } });
		expect(deleted.status).toBe(204);
		expect(await list('')).not.toContain('les_poetry');
		expect((await get(`${RECORDINGS_API}/les_poetry`, admin)).status).toBe(404);
		expect(await readdir(path.join(dataDir, 'recordings'))).not.toContain('les_poetry');
		const again = await fetch(`${t.url}${RECORDINGS_API}/les_poetry`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } });
		expect(again.status).toBe(404);
	});
});
