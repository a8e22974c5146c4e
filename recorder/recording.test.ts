import { spawn } from 'node:child_process';
import { access, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoardTestClient } from '../signalling/testing/boardClient.ts';
import { createLesson, startTestApp, TestClient, waitFor, type TestApp, type TestLesson } from '../app/testing/harness.ts';
import { makeDeck } from '../signalling/testing/pdfFixtures.ts';
import { DECKS_API, deckBoardId, type DeckInfo, type TimelineEntry } from '../protocol/index.ts';
import { LibraryIndex } from './LibraryIndex.ts';
import { PackageStore } from './PackageStore.ts';
import type { PartSummary } from './media/types.ts';
import { publishFfmpegTrack, type FfmpegTrack } from './testing/ffmpegPublisher.ts';
import { pidsMatching } from './testing/processes.ts';
import { ffprobe } from './testing/probe.ts';

const RECORD_MS = 20_000;

async function uploadDeck(t: TestApp, token: string, pages: string[]): Promise<DeckInfo> {
	const res = await fetch(`${t.url}${DECKS_API}?name=recorded.pdf`, {
		method: 'POST',
		headers: { authorization: `Bearer ${token}`, 'content-type': 'application/pdf' },
		body: await makeDeck(pages)
	});
	if (res.status !== 201) throw new Error(`upload: ${res.status} ${await res.text()}`);
	return (await res.json()) as DeckInfo;
}

const exists = (file: string) => access(file).then(() => true, () => false);

describe('recording a lesson through the real server (ffmpeg-fed producers, real worker, real sockets)', () => {
	let t: TestApp;
	let lesson: TestLesson;
	let teacher: TestClient;
	let room: TestClient;
	let board: BoardTestClient;
	let deck: DeckInfo;
	const tracks: FfmpegTrack[] = [];

	beforeAll(async () => {
		t = await startTestApp({ RECORDING_MIN_FREE_MB: '1', RECORDING_SEGMENT_SECONDS: '2' });
		lesson = await createLesson(t, 1);
		teacher = new TestClient(t.url, lesson.token('teacher'));
		room = new TestClient(t.url, lesson.token('classroom', 0));
		await teacher.joinLesson();
		await room.joinLesson();
		deck = await uploadDeck(t, lesson.token('teacher'), ['Fractions', 'Halves and thirds', 'Practice']);
		await teacher.ok('surface.show', { view: { kind: 'deck', deckId: deck.id, page: 1 } });
		board = new BoardTestClient(t.url, lesson.token('teacher'));
		await board.ready;
		const session = t.app.signalling.sessions.get(lesson.lesson.id)!;
		tracks.push(await publishFfmpegTrack(session, teacher.join!.self.id, 'camera'));
		tracks.push(await publishFfmpegTrack(session, teacher.join!.self.id, 'mic'));
		tracks.push(await publishFfmpegTrack(session, room.join!.self.id, 'mic'));
		// A classroom camera is published but not recorded (only rooms' microphones are).
		tracks.push(await publishFfmpegTrack(session, room.join!.self.id, 'camera'));
	}, 60_000);

	afterAll(async () => {
		board?.close();
		for (const track of tracks) await track.close().catch(() => undefined);
		teacher?.close();
		room?.close();
		await t?.stop();
	});

	it(
		'records 20 s with slides, a drawing, chat and a poll into a ready package whose media is as long as the lesson',
		async () => {
			const lessonId = lesson.lesson.id;
			expect(room.latestSnapshot()?.recording).toMatchObject({ state: 'off', auto: false });
			await teacher.ok('recording.start', {});
			const startedAt = Date.now();
			// Every role sees the REC indicator.
			const rec = await room.next('lesson.snapshot', (s) => s.recording.state === 'recording');
			expect(rec.recording.since).toBeGreaterThan(startedAt - 5000);
			expect(await teacher.send('recording.start', {})).toMatchObject({ ok: false, error: { code: 'conflict' } });
			expect(await room.send('recording.stop', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
			expect(await room.send('lesson.end', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });

			await sleep(2000);
			// A screen share published and closed while recording: followed, then let go.
			const session = t.app.signalling.sessions.get(lessonId)!;
			const screen = await publishFfmpegTrack(session, teacher.join!.self.id, 'screen');
			const screenFrom = Date.now();
			await sleep(2000);
			await teacher.ok('surface.show', { view: { kind: 'deck', deckId: deck.id, page: 2 } });
			await sleep(2000);
			const page2 = deckBoardId(deck.id, 2);
			const drawnAt = Date.now();
			const shapeId = board.createRect(page2, 100, 100);
			await sleep(2000);
			await screen.close();
			const screenTo = Date.now();
			// The recorder's ffmpeg for the teacher's camera dies: it is restarted, the gap noted.
			const cameraId = tracks[0]!.producerId;
			const pids = await pidsMatching('ffmpeg', `tr-${cameraId}`);
			expect(pids).toHaveLength(1);
			process.kill(pids[0]!, 'SIGKILL');
			const metrics = await (await fetch(`${t.url}/metrics`)).text();
			expect(metrics).toMatch(/^classbridge_recordings_active 1$/m);
			expect(metrics).toMatch(/^classbridge_recordings_finalising 0$/m);
			await teacher.ok('chat.send', { text: 'Look at page 2' });
			await room.ok('chat.send', { text: 'We can see it' });
			const poll = await teacher.ok('poll.open', { spec: { kind: 'single', question: 'Which is larger?', options: ['1/2', '1/3'] } });
			await sleep(1000);
			await teacher.ok('poll.close', { pollId: poll.id });
			await teacher.ok('poll.reveal', { pollId: poll.id });
			await sleep(Math.max(0, startedAt + RECORD_MS - Date.now()));
			// For a failure's message: how each microphone's recording went (part.json is kept current while recording).
			const partJson = await readFile(path.join(new PackageStore(t.dataDir).partDir(lessonId, 0), 'part.json'), 'utf8').catch((error: Error) => error);
			const runsOf = (source: string, from = 0) =>
				partJson instanceof Error
					? `part.json unreadable: ${partJson.message}`
					: JSON.stringify(
							(JSON.parse(partJson) as PartSummary).tracks
								.filter((track) => track.source === source)
								.map((track) => ({ role: track.role, runs: track.runs.map((run) => ({ spawnedAt: run.spawnedAt - from, firstPacketAt: run.firstPacketAt && run.firstPacketAt - from, endedBy: run.endedBy, endedAt: run.endedAt && run.endedAt - from })) }))
						);
			const micRuns = runsOf('mic', startedAt);
			// ms from the share's start; the share closed at screenTo.
			const screenRuns = `${runsOf('screen', screenFrom)}, closed at ${screenTo - screenFrom}`;

			await teacher.ok('lesson.end', {});
			const endedAt = Date.now();
			await room.next('lesson.ended');
			await waitFor(() => !room.socket.connected, 5000, 'the classroom disconnected');
			expect(t.app.catalog.lesson(lessonId)?.status).toBe('ended');
			expect(await new TestClient(t.url, lesson.token('classroom', 0)).refused()).toBe('lesson_ended');

			await t.app.recorder.finalised();
			const readyMs = Date.now() - endedAt;
			expect(readyMs).toBeLessThan(30_000);

			const packages = new PackageStore(t.dataDir);
			const manifest = (await packages.readManifest(lessonId))!;
			expect(manifest).toMatchObject({ state: 'ready', progress: 1, title: 'Fractions', teacherName: 'Ms Chen' });
			expect(manifest.parts).toHaveLength(1);
			const part = manifest.parts[0]!;
			const wallMs = part.stoppedAt! - part.startedAt;
			expect(wallMs).toBeGreaterThan(RECORD_MS - 1000);
			expect(manifest.media?.program).toMatchObject({ file: 'program.webm', hasVideo: true, hasAudio: true });
			// The teacher's and the room's microphones are mixed; the room's camera is not recorded.
			expect(manifest.media?.voices.map((v) => v.role).sort(), `microphones while recording: ${micRuns}`).toEqual(['classroom', 'teacher']);
			expect(manifest.media?.screens, `the screen share's recording (ms from its start): ${screenRuns}`).toHaveLength(1);
			const shared = manifest.media!.screens[0]!;
			// From its first frame (ffmpeg's start and first key frame take a moment) to its close.
			expect(shared.startMs).toBeGreaterThanOrEqual(screenFrom - part.startedAt);
			expect(shared.startMs).toBeLessThan(screenFrom - part.startedAt + 3000);
			expect(shared.startMs + shared.durationMs).toBeLessThan(screenTo - part.startedAt + 1000);
			expect(shared.durationMs).toBeGreaterThan(2000);
			// The last, unfinished segment of a closed producer is kept, not just the finished ones.
			expect(shared.startMs + shared.durationMs).toBeGreaterThan(screenTo - part.startedAt - 1000);
			expect((await ffprobe(path.join(packages.mediaDir(lessonId), shared.file))).streams).toEqual(['video']);
			const probe = await ffprobe(path.join(packages.mediaDir(lessonId), 'program.webm'));
			expect(probe.streams.sort()).toEqual(['audio', 'video']);
			expect(Math.abs(probe.durationMs - wallMs) / wallMs).toBeLessThan(0.02);
			expect(manifest.bytes).toBeGreaterThan(10_000);
			const restart = manifest.notes.find((n) => n.kind === 'ffmpeg_restart');
			expect(restart?.gapMs).toBeGreaterThanOrEqual(0);
			expect(restart?.gapMs).toBeLessThanOrEqual(3000);
			expect(restart?.mediaMs).toBeGreaterThan(7000);
			// The lesson ended: the raw segments are gone once the final files exist.
			expect(await exists(packages.rawDir(lessonId))).toBe(false);
			// The deck is in the package.
			expect(manifest.decks).toEqual([{ deckId: deck.id, fileName: deck.fileName, pageCount: 3, file: `decks/${deck.id}.pdf` }]);
			expect((await stat(path.join(packages.dir(lessonId), manifest.decks[0]!.file))).size).toBe(deck.bytes);

			const timeline = await packages.readTimeline(lessonId);
			const eventOf = (type: string) => timeline.find((e): e is Extract<TimelineEntry, { kind: 'event' }> => e.kind === 'event' && e.event.type === type);
			expect(timeline[0]).toMatchObject({ kind: 'surface', mediaMs: 0, view: { kind: 'deck', deckId: deck.id, page: 1 } });
			for (const entry of timeline) {
				expect(entry.mediaMs).toBeGreaterThanOrEqual(0);
				expect(entry.mediaMs).toBeLessThanOrEqual(wallMs + 1000);
			}
			const shown = eventOf('slide.shown')!;
			expect(shown.event.data).toMatchObject({ page: 2 });
			expect(shown.mediaMs).toBe((shown.event.at as number) - part.startedAt);
			expect(shown.mediaMs).toBeGreaterThan(3500);
			expect(eventOf('recording.started')?.event.data).toEqual({ part: 0 });
			expect(eventOf('recording.stopped')?.event.data).toEqual({ part: 0, reason: 'lesson_ended' });
			expect(eventOf('board.changed')?.event.data).toMatchObject({ boardId: page2, added: 1 });
			expect(eventOf('recording.fault')?.event.data).toMatchObject({ producerId: cameraId });
			const chats = timeline.filter((e) => e.kind === 'chat');
			expect(chats.map((c) => c.kind === 'chat' && [c.text, c.role, c.channel])).toEqual([
				['Look at page 2', 'teacher', 'chat'],
				['We can see it', 'classroom', 'chat']
			]);
			const results = timeline.filter((e) => e.kind === 'pollResults');
			expect(results).toHaveLength(2);
			expect(results[0]).toMatchObject({ pollId: poll.id, results: { pollId: poll.id, status: 'closed', answered: 0 } });
			expect(results[1]).toMatchObject({ pollId: poll.id, results: { revealed: true } });

			// The board: page 2 without the shape is never recorded after the drawing; with it, within ~2 s of it.
			const snapshots = await packages.readBoards(lessonId);
			const withShape = snapshots.filter((s) => s.boardId === page2 && s.records.some((r) => r.id === shapeId));
			expect(withShape.length).toBeGreaterThan(0);
			const drawnMs = drawnAt - part.startedAt;
			// Stamped with the first edit of its batch, not the batch's end a second later.
			expect(withShape[0]!.mediaMs).toBeGreaterThanOrEqual(drawnMs - 100);
			expect(withShape[0]!.mediaMs).toBeLessThan(drawnMs + 800);
			expect(withShape[0]!.records.some((r) => r.typeName === 'page' && r.id === `page:${page2}`)).toBe(true);
			const before = snapshots.filter((s) => s.boardId === page2 && s.mediaMs < drawnMs);
			for (const s of before) expect(s.records.some((r) => r.id === shapeId)).toBe(false);

			// The library lists it; its index is rebuilt from the folders when lost.
			const index = new LibraryIndex(packages);
			expect(await index.load()).toBe(false);
			expect(index.get(lessonId)).toMatchObject({ state: 'ready', title: 'Fractions' });
			await rm(index.file);
			const rebuilt = new LibraryIndex(packages);
			expect(await rebuilt.load()).toBe(true);
			expect(rebuilt.get(lessonId)).toMatchObject({ state: 'ready', durationMs: manifest.durationMs, bytes: manifest.bytes });
			expect(await exists(rebuilt.file)).toBe(true);
			const { writeFile } = await import('node:fs/promises');
			await writeFile(rebuilt.file, '{ not json');
			const again = new LibraryIndex(packages);
			expect(await again.load()).toBe(true);
			expect(again.query({}).map((e) => e.lessonId)).toEqual([lessonId]);
		},
		90_000
	);
});

describe('a server restart in the middle of a recorded lesson', () => {
	it(
		'keeps what was recorded, resumes an auto-recorded lesson in a new part, and finalises both',
		async () => {
			// A grace longer than any shutdown: the teacher leaving must not end the lesson before the server stops.
			const first = await startTestApp({ RECORDING_MIN_FREE_MB: '1', RECORDING_SEGMENT_SECONDS: '2', RECONNECT_GRACE_MS: '60000' });
			const dataDir = first.dataDir;
			const adminToken = new URL(first.app.adminUrl).searchParams.get('token') ?? '';
			const school = await (
				await fetch(`${first.url}/api/schools`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ridge', locale: 'rural' }) })
			).json();
			const room = await (
				await fetch(`${first.url}/api/classrooms`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ schoolId: school.id, name: 'Room A' }) })
			).json();
			const created = await (
				await fetch(`${first.url}/api/lessons`, {
					method: 'POST',
					headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
					body: JSON.stringify({ title: 'Auto lesson', teacherName: 'Mr Li', classroomIds: [room.id], autoRecord: true })
				})
			).json();
			expect(created.lesson.autoRecord).toBe(true);
			const lessonId: string = created.lesson.id;
			const teacherToken = new URL(created.links.teacher).searchParams.get('t')!;

			let teacher = new TestClient(first.url, teacherToken);
			await teacher.joinLesson();
			let session = first.app.signalling.sessions.get(lessonId)!;
			let camera = await publishFfmpegTrack(session, teacher.join!.self.id, 'camera');
			let mic = await publishFfmpegTrack(session, teacher.join!.self.id, 'mic');
			// Auto-record: the teacher's join started it.
			await teacher.next('lesson.snapshot', (s) => s.recording.state === 'recording' && s.recording.auto);
			await sleep(6000);
			await camera.close();
			await mic.close();
			teacher.close();
			await first.app.close();

			const packages = new PackageStore(dataDir);
			const kept = (await packages.readManifest(lessonId))!;
			expect(kept.state).toBe('recording');
			expect(kept.parts).toHaveLength(1);
			expect(kept.parts[0]!.stoppedAt).not.toBeNull();

			const second = await startTestApp({ RECORDING_MIN_FREE_MB: '1', RECORDING_SEGMENT_SECONDS: '2' }, dataDir);
			try {
				teacher = new TestClient(second.url, teacherToken);
				await teacher.joinLesson();
				session = second.app.signalling.sessions.get(lessonId)!;
				camera = await publishFfmpegTrack(session, teacher.join!.self.id, 'camera');
				mic = await publishFfmpegTrack(session, teacher.join!.self.id, 'mic');
				await teacher.next('lesson.snapshot', (s) => s.recording.state === 'recording');
				await sleep(5000);
				await teacher.ok('lesson.end', {});
				await camera.close();
				await mic.close();
				await second.app.recorder.finalised();
				const manifest = (await packages.readManifest(lessonId))!;
				expect(manifest.state).toBe('ready');
				expect(manifest.parts.map((p) => p.index)).toEqual([0, 1]);
				expect(manifest.parts[1]!.mediaStartMs).toBe(manifest.parts[0]!.stoppedAt! - manifest.parts[0]!.startedAt);
				const total = manifest.parts.reduce((sum, p) => sum + (p.stoppedAt! - p.startedAt), 0);
				const probe = await ffprobe(path.join(packages.mediaDir(lessonId), 'program.webm'));
				expect(probe.streams.sort()).toEqual(['audio', 'video']);
				expect(Math.abs(probe.durationMs - total) / total).toBeLessThan(0.03);
				const timeline = await packages.readTimeline(lessonId);
				const surfaces = timeline.filter((e) => e.kind === 'surface').map((e) => e.mediaMs);
				expect(surfaces).toEqual([0, manifest.parts[1]!.mediaStartMs]);
				teacher.close();
			} finally {
				await second.stop();
				await rm(dataDir, { recursive: true, force: true });
			}
		},
		90_000
	);
});

describe('a server killed in the middle of a recorded part', () => {
	it(
		'closes the open part from disk at the next start, keeps it replayable, and finalises it when the lesson ends',
		async () => {
			const dataDir = await mkdtemp(path.join(tmpdir(), 'cb-crash-'));
			const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'testing', 'crashingServer.ts'), dataDir], {
				stdio: ['ignore', 'pipe', 'inherit']
			});
			let second: TestApp | null = null;
			try {
				const line = await new Promise<string>((resolve, reject) => {
					createInterface({ input: child.stdout! }).once('line', resolve);
					child.once('exit', (code) => reject(new Error(`the server exited (${code}) before recording`)));
				});
				const started = JSON.parse(line) as { lessonId: string; teacherToken: string; publisherPids: number[] };
				await sleep(7000);
				child.kill('SIGKILL');
				await new Promise((resolve) => child.once('exit', resolve));
				for (const pid of started.publisherPids) process.kill(pid, 'SIGKILL');

				const packages = new PackageStore(dataDir);
				const crashed = (await packages.readManifest(started.lessonId))!;
				expect(crashed.state).toBe('recording');
				expect(crashed.parts[0]?.stoppedAt).toBeNull();

				second = await startTestApp({ RECORDING_MIN_FREE_MB: '1', RECORDING_SEGMENT_SECONDS: '2' }, dataDir);
				const recovered = (await second.app.recorder.manifest(started.lessonId))!;
				expect(recovered.state).toBe('recording');
				const part = recovered.parts[0]!;
				expect(part.stoppedAt).not.toBeNull();
				// At most about a segment (2 s) and the kill's own moment are lost.
				expect(part.stoppedAt! - part.startedAt).toBeGreaterThan(4000);
				expect(recovered.notes.map((n) => n.kind)).toContain('server_restart');
				// The recorder's own ffmpegs of the killed server were ended by the recovery.
				expect(await pidsMatching('ffmpeg', `recordings/${started.lessonId}`)).toEqual([]);

				const teacher = new TestClient(second.url, started.teacherToken);
				await teacher.joinLesson();
				expect(teacher.join!.lesson.recording).toMatchObject({ state: 'off', auto: false });
				await teacher.ok('lesson.end', {});
				teacher.close();
				await second.app.recorder.finalised();
				const manifest = (await packages.readManifest(started.lessonId))!;
				expect(manifest.state).toBe('ready');
				const probe = await ffprobe(path.join(packages.mediaDir(started.lessonId), 'program.webm'));
				expect(probe.streams.sort()).toEqual(['audio', 'video']);
				const lengthMs = part.stoppedAt! - part.startedAt;
				expect(Math.abs(probe.durationMs - lengthMs) / lengthMs).toBeLessThan(0.05);
			} finally {
				if (child.exitCode === null) child.kill('SIGKILL');
				await second?.stop();
				await rm(dataDir, { recursive: true, force: true });
			}
		},
		90_000
	);
});
