import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIRM_NAMED_EXPORT, type BoardSnapshot, type LibraryEntry, type TimelineEntry } from '../../protocol/index.ts';
import { startServerProcess, type ServerProcess } from '../../app/testing/serverProcess.ts';
import { ffprobe } from '../testing/probe.ts';
import { STUDENT_NAME, writeLessonFixture } from './testing/lessonFixture.ts';
import { PACKAGE_MANIFEST_FILE, PACKAGE_SIGNATURE_FILE, readZip, signWithStrangerKey, writeZip } from './testing/zipTools.ts';

const LESSON = 'lesson_pkg1';

/** Export from one real server process, import into another: what arrives, and what is refused. */
describe('lesson packages: export → import between two servers', () => {
	let district: ServerProcess;
	let school: ServerProcess;
	let districtData: string;
	let schoolData: string;
	let zip: Buffer;

	const api = (server: ServerProcess, p: string, init: RequestInit = {}) =>
		fetch(`${server.url}${p}`, { ...init, headers: { authorization: `Bearer ${server.adminToken}`, ...(init.headers ?? {}) } });
	const importZip = (body: Buffer) => api(school, '/api/packages/import', { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': 'application/zip' } });

	beforeAll(async () => {
		districtData = await mkdtemp(path.join(tmpdir(), 'cb16-district-'));
		schoolData = await mkdtemp(path.join(tmpdir(), 'cb16-school-'));
		await writeLessonFixture(districtData, LESSON);
		district = await startServerProcess({ DATA_DIR: districtData });
		const key = (await (await api(district, '/api/packages/key')).json()) as { publicKey: string };
		school = await startServerProcess({ DATA_DIR: schoolData, TRUSTED_PACKAGE_KEYS: key.publicKey });
		const res = await api(district, `/api/recordings/${LESSON}/export`);
		expect(res.status).toBe(200);
		expect(decodeURIComponent(res.headers.get('content-disposition') ?? '')).toContain('Fractions 分数.classbridge.zip');
		zip = Buffer.from(await res.arrayBuffer());
	}, 180_000);

	afterAll(async () => {
		await district?.stop();
		await school?.stop();
		await rm(districtData, { recursive: true, force: true });
		await rm(schoolData, { recursive: true, force: true });
	});

	it('exports one signed zip with the player, checksums and pseudonyms; names only by staff choice', async () => {
		const entries = await readZip(zip);
		expect([...entries.keys()]).toEqual(expect.arrayContaining([PACKAGE_MANIFEST_FILE, PACKAGE_SIGNATURE_FILE, 'index.html', 'player/player.js', 'player/lesson.js', 'recording/media/program.webm', 'recording/decks/deck1.pdf', 'recording/timeline.jsonl', 'recording/boards.jsonl']));
		const manifest = JSON.parse(entries.get(PACKAGE_MANIFEST_FILE)!.toString()) as { schemaVersion: number; files: { path: string; sha256: string }[]; names: string };
		expect(manifest.schemaVersion).toBe(1);
		expect(manifest.names).toBe('pseudonymous');
		expect(manifest.files.map((f) => f.path).sort()).toEqual([...entries.keys()].filter((n) => !n.startsWith('classbridge-package.')).sort());
		expect(entries.get('recording/timeline.jsonl')!.toString()).not.toContain(STUDENT_NAME);
		expect(entries.get('player/lesson.js')!.toString()).not.toContain(STUDENT_NAME);

		expect((await fetch(`${district.url}/api/recordings/${LESSON}/export`)).status).toBe(401);
		expect((await api(district, `/api/recordings/${LESSON}/export?names=true`)).status).toBe(403);
		const named = await api(district, `/api/recordings/${LESSON}/export?names=true&confirm=${CONFIRM_NAMED_EXPORT}`);
		expect(named.status).toBe(200);
		const namedEntries = await readZip(Buffer.from(await named.arrayBuffer()));
		expect(namedEntries.get('recording/timeline.jsonl')!.toString()).toContain(STUDENT_NAME);
		const audit = (await (await api(district, '/api/analytics/audit')).json()) as { entries?: { action: string }[]; records?: { action: string }[] };
		expect(JSON.stringify(audit)).toContain('export.named');
	});

	it('refuses a tampered, incomplete, foreign, truncated, newer or unsigned package, storing nothing', async () => {
		const entries = await readZip(zip);
		const program = entries.get('recording/media/program.webm')!;
		const at = zip.indexOf(program.subarray(0, 64));
		expect(at).toBeGreaterThan(0);
		const tampered = Buffer.from(zip);
		tampered[at + Math.floor(program.length / 2)]! ^= 0xff;

		const without = new Map(entries);
		without.delete('recording/boards.jsonl');
		const foreign = new Map(entries);
		foreign.set(PACKAGE_SIGNATURE_FILE, signWithStrangerKey(entries.get(PACKAGE_MANIFEST_FILE)!));
		const newer = new Map(entries);
		const newerManifest = Buffer.from(entries.get(PACKAGE_MANIFEST_FILE)!.toString().replace('"schemaVersion": 1', '"schemaVersion": 2'));
		newer.set(PACKAGE_MANIFEST_FILE, newerManifest);
		newer.set(PACKAGE_SIGNATURE_FILE, signWithStrangerKey(newerManifest));
		const edited = new Map(entries);
		edited.set(PACKAGE_MANIFEST_FILE, Buffer.from(entries.get(PACKAGE_MANIFEST_FILE)!.toString().replace('Fractions', 'Fractionz')));
		const unsigned = new Map(entries);
		unsigned.delete(PACKAGE_SIGNATURE_FILE);

		const cases: [string, Buffer, string][] = [
			['tampered byte', tampered, 'checksum_mismatch'],
			['missing file', await writeZip(without), 'missing_file'],
			['wrong key', await writeZip(foreign), 'untrusted_key'],
			['truncated zip', zip.subarray(0, Math.floor(zip.length * 0.6)), 'truncated'],
			['newer schema', await writeZip(newer), 'newer_schema'],
			['edited manifest', await writeZip(edited), 'bad_signature'],
			['unsigned', await writeZip(unsigned), 'unsigned'],
			['not a zip', Buffer.from('hello, not a zip at all'), 'not_a_zip']
		];
		for (const [name, body, reason] of cases) {
			const res = await importZip(body);
			const answer = (await res.json()) as { error: { code: string; message: string } };
			expect({ name, status: res.status, code: answer.error.code }).toEqual({ name, status: 422, code: reason });
			expect(answer.error.message.length).toBeGreaterThan(10);
		}
		const library = (await (await api(school, '/api/library')).json()) as { entries: LibraryEntry[] };
		expect(library.entries).toEqual([]);
		expect((await readdir(path.join(schoolData, 'recordings'))).filter((n) => n !== 'index.json')).toEqual([]);
	});

	it('imports into the second server: listed with its origin, replays identically', async () => {
		const res = await importZip(zip);
		expect(res.status).toBe(201);
		const library = (await (await api(school, '/api/library')).json()) as { entries: LibraryEntry[] };
		expect(library.entries.map((e) => ({ id: e.lessonId, state: e.state, origin: e.origin?.kind, server: e.origin?.server }))).toEqual([
			{ id: LESSON, state: 'ready', origin: 'imported', server: district.url.replace('127.0.0.1', 'localhost') }
		]);
		const timeline = async (s: ServerProcess) => ((await (await api(s, `/api/recordings/${LESSON}/timeline`)).json()) as { entries: TimelineEntry[] }).entries;
		const boards = async (s: ServerProcess) => ((await (await api(s, `/api/recordings/${LESSON}/boards`)).json()) as { snapshots: BoardSnapshot[] }).snapshots;
		const a = await timeline(district);
		const b = await timeline(school);
		expect(b.map((e) => [e.kind, e.mediaMs])).toEqual(a.map((e) => [e.kind, e.mediaMs]));
		expect(JSON.stringify(b)).not.toContain(STUDENT_NAME);
		expect(await boards(school)).toEqual(await boards(district));
		const src = await ffprobe(path.join(districtData, 'recordings', LESSON, 'media', 'program.webm'));
		const dst = await ffprobe(path.join(schoolData, 'recordings', LESSON, 'media', 'program.webm'));
		expect(Math.abs(dst.durationMs - src.durationMs) / src.durationMs).toBeLessThan(0.01);

		const again = await importZip(zip);
		expect(again.status).toBe(409);
	});

	it('a deleted lesson leaves the package feed with its cached zip', async () => {
		const listed = (await (await api(district, '/api/packages')).json()) as { packages: { lessonId: string }[] };
		expect(listed.packages.map((p) => p.lessonId)).toEqual([LESSON]);
		expect(await readdir(path.join(districtData, 'package-cache'))).toEqual([`${LESSON}.zip`]);
		expect((await api(district, `/api/recordings/${LESSON}`, { method: 'DELETE' })).status).toBe(204);
		expect(((await (await api(district, '/api/packages')).json()) as { packages: unknown[] }).packages).toEqual([]);
		expect(await readdir(path.join(districtData, 'package-cache'))).toEqual([]);
		expect((await api(district, `/api/packages/${LESSON}.zip`)).status).toBe(404);
	});
});
