import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { TestClient, waitFor } from '../testing/harness.ts';
import { startServerProcess, type ServerProcess } from '../testing/serverProcess.ts';
import { makeProgramWebm, writeFixturePackage } from '../../recorder/testing/packageFixture.ts';
import { makeDeck } from '../../signalling/testing/pdfFixtures.ts';
import { ANALYTICS_API, DECKS_API, LIBRARY_API, type LessonLinks, type LessonRecord } from '../../protocol/index.ts';

const run = promisify(execFile);

/** `npm run <script> -- <arg>` as an operator runs it, with the data folder in DATA_DIR. */
async function npmRun(script: string, arg: string, dataDir: string): Promise<{ code: number; output: string }> {
	try {
		const { stdout, stderr } = await run('npm', ['run', '--silent', script, '--', arg], {
			env: { ...process.env, DATA_DIR: dataDir, ANALYTICS_FILE: path.join(dataDir, 'analytics', 'classbridge.duckdb'), VITEST: '' },
			timeout: 120_000
		});
		return { code: 0, output: stdout + stderr };
	} catch (error) {
		const e = error as { code?: number; stdout?: string; stderr?: string };
		return { code: typeof e.code === 'number' ? e.code : 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
	}
}

const storeEnv = (dataDir: string) => ({ ANALYTICS_FILE: path.join(dataDir, 'analytics', 'classbridge.duckdb'), LOG_LEVEL: 'warn' });

/**
 * Backup and restore, round trip: a data folder with a catalog, a lesson that ran (analytics), a deck
 * and a recorded lesson package is backed up with `npm run backup`, restored with `npm run restore`
 * into a fresh folder, and a server started on it serves the same catalog, library and analytics.
 */
describe('npm run backup / npm run restore', () => {
	const folders: string[] = [];
	let server: ServerProcess | undefined;
	const fresh = async (name: string) => {
		const dir = await mkdtemp(path.join(tmpdir(), `cb-${name}-`));
		folders.push(dir);
		return dir;
	};
	afterAll(async () => {
		await server?.stop();
		for (const dir of folders) await rm(dir, { recursive: true, force: true });
	});

	it('a restored data folder serves the same catalog, library and analytics figures', async () => {
		const original = await fresh('data');
		const program = path.join(await fresh('media'), 'program.webm');
		await makeProgramWebm(program);
		await writeFixturePackage(original, {
			lessonId: 'les_recorded',
			title: 'Recorded fractions',
			teacherName: 'Ms Li',
			classrooms: [{ id: 'cls_a', name: 'Room A' }],
			startedAt: Date.now() - 3_600_000,
			program
		});
		server = await startServerProcess(storeEnv(original), { dataDir: original });
		const admin = { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' };
		const post = async (p: string, body: unknown) => (await fetch(`${server!.url}${p}`, { method: 'POST', headers: admin, body: JSON.stringify(body) })).json();
		const school = (await post('/api/schools', { name: 'Hill school', locale: 'rural' })) as { id: string };
		const room = (await post('/api/classrooms', { schoolId: school.id, name: 'Room 1' })) as { id: string };
		const { lesson, links } = (await post('/api/lessons', { title: 'Backed-up lesson', teacherName: 'Mr Wang', classroomIds: [room.id] })) as { lesson: LessonRecord; links: LessonLinks };
		const teacherToken = new URL(links.teacher).searchParams.get('t')!;
		const roomToken = new URL(links.classrooms[0]!.room).searchParams.get('t')!;
		const upload = await fetch(`${server.url}${DECKS_API}?name=unit.pdf&t=${teacherToken}`, {
			method: 'POST',
			headers: { authorization: `Bearer ${teacherToken}`, 'content-type': 'application/pdf' },
			body: await makeDeck(['One', 'Two'])
		});
		expect(upload.status).toBe(201);
		// A short live lesson, so that analytics has figures.
		const teacher = new TestClient(server.url, teacherToken);
		const classroom = new TestClient(server.url, roomToken);
		await Promise.all([teacher.joinLesson(), classroom.joinLesson()]);
		await classroom.ok('hand.raise', {});
		await classroom.ok('chat.send', { text: 'we can hear you' });
		await teacher.ok('chat.send', { text: 'welcome' });
		const url = server.url;
		await waitFor(
			async () => {
				const list = (await (await fetch(`${url}${ANALYTICS_API}/lessons`, { headers: admin })).json()) as { lessons?: { lessonId: string }[] };
				return list.lessons?.some((l) => l.lessonId === lesson.id) || undefined;
			},
			20_000,
			'the lesson in analytics'
		);
		teacher.close();
		classroom.close();

		const read = async (s: ServerProcess) => {
			const headers = { authorization: `Bearer ${s.adminToken}` };
			const get = async (p: string) => {
				const res = await fetch(`${s.url}${p}`, { headers });
				expect(res.status, p).toBe(200);
				return res.json();
			};
			return {
				catalog: await get('/api/catalog'),
				lessons: await get('/api/lessons'),
				library: await get(LIBRARY_API),
				decks: await (await fetch(`${s.url}${DECKS_API}?t=${teacherToken}`, { headers: { authorization: `Bearer ${teacherToken}` } })).json(),
				analyticsLessons: await get(`${ANALYTICS_API}/lessons`),
				analyticsLesson: await get(`${ANALYTICS_API}/lessons/${lesson.id}`)
			};
		};
		// Give the leaves time to be published, then stop: the last batch is written on the way out.
		await new Promise((r) => setTimeout(r, 1000));
		await server.stop();
		server = await startServerProcess(storeEnv(original), { dataDir: original });
		const before = await read(server);
		expect((before.library as { entries: unknown[] }).entries).toHaveLength(1);
		expect((before.analyticsLessons as { lessons: { lessonId: string }[] }).lessons.map((l) => l.lessonId)).toContain(lesson.id);
		expect(JSON.stringify(before.analyticsLesson)).toContain(lesson.id);
		expect(JSON.stringify(before.decks)).toContain('unit.pdf');

		// A backup needs the server stopped: with it running, the store is refused, clearly.
		const backup = path.join(await fresh('backup'), 'classbridge-backup');
		const refused = await npmRun('backup', backup, original);
		expect(refused.code, refused.output).not.toBe(0);
		expect(refused.output).toMatch(/in use by a running server: stop the server first/);
		await server.stop();
		server = undefined;

		const made = await npmRun('backup', backup, original);
		expect(made.code, made.output).toBe(0);
		expect(made.output).toMatch(/^backup: \d+ files/m);
		const names = await readdir(backup, { recursive: true });
		for (const part of ['backup-manifest.json', 'catalog.json', 'secret.key', 'analytics/classbridge.duckdb', 'recordings/les_recorded/manifest.json']) expect(names, part).toContain(part);
		expect(names.some((n) => n.startsWith('decks/'))).toBe(true);
		expect(names.some((n) => n.endsWith('.wal'))).toBe(false);
		expect((await stat(backup)).mode & 0o077).toBe(0);

		const restored = path.join(await fresh('restored'), 'data');
		const back = await npmRun('restore', backup, restored);
		expect(back.code, back.output).toBe(0);
		// Restoring over a data folder that is in use is refused.
		const again = await npmRun('restore', backup, restored);
		expect(again.code).not.toBe(0);
		expect(again.output).toMatch(/not empty/);

		server = await startServerProcess(storeEnv(restored), { dataDir: restored });
		const after = await read(server);
		expect(after).toEqual(before);
	}, 240_000);
});
