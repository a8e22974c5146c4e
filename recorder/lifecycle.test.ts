import { execFile } from 'node:child_process';
import { access, mkdtemp, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStudent, createLesson, startTestApp, TestClient, waitFor, type TestApp, type TestLesson } from '../app/testing/harness.ts';
import { PackageStore } from './PackageStore.ts';
import { publishFfmpegTrack } from './testing/ffmpegPublisher.ts';
import { ffprobe } from './testing/probe.ts';

const exists = (file: string) => access(file).then(() => true, () => false);

describe('recording lifecycle: idle, resume, refusals', () => {
	let t: TestApp;
	beforeAll(async () => {
		t = await startTestApp({ RECORDING_MIN_FREE_MB: '1', RECORDING_SEGMENT_SECONDS: '2' });
	});
	afterAll(() => t.stop());

	it(
		'a recorded lesson everyone left is in the library within 30 s; a later start appends a part and finalises again',
		async () => {
			const lesson: TestLesson = await createLesson(t, 1);
			const lessonId = lesson.lesson.id;
			const packages = new PackageStore(t.dataDir);
			const recordFor = async (ms: number) => {
				const teacher = new TestClient(t.url, lesson.token('teacher'));
				await teacher.joinLesson();
				const session = t.app.signalling.sessions.get(lessonId)!;
				const mic = await publishFfmpegTrack(session, teacher.join!.self.id, 'mic');
				await teacher.ok('recording.start', {});
				await sleep(ms);
				teacher.close();
				await mic.close();
			};

			await recordFor(3000);
			const leftAt = Date.now();
			// Past the reconnect grace (3 s in tests) the session goes idle: stop, finalise.
			await waitFor(async () => (await packages.readManifest(lessonId))?.state === 'ready', 30_000, 'the package ready');
			expect(Date.now() - leftAt).toBeLessThan(30_000);
			await waitFor(() => !t.app.signalling.sessions.has(lessonId), 5000, 'the idle session released');
			const first = (await packages.readManifest(lessonId))!;
			expect(first.parts).toHaveLength(1);
			expect(t.events.filter((e) => e.lessonId === lessonId && e.type === 'recording.stopped').map((e) => e.data)).toEqual([{ part: 0, reason: 'idle' }]);
			// Not ended: the raw parts stay so that a resumed recording can be finalised whole.
			expect(t.app.catalog.lesson(lessonId)?.status).toBe('live');
			expect(await exists(packages.partDir(lessonId, 0))).toBe(true);
			expect(t.app.recorder.list({}).find((e) => e.lessonId === lessonId)).toMatchObject({ state: 'ready' });

			await recordFor(3000);
			await waitFor(async () => (await packages.readManifest(lessonId))?.parts.length === 2 && (await packages.readManifest(lessonId))?.state === 'ready', 30_000, 'both parts finalised');
			const second = (await packages.readManifest(lessonId))!;
			expect(second.parts[1]!.mediaStartMs).toBe(first.parts[0]!.stoppedAt! - first.parts[0]!.startedAt);
			const total = second.parts.reduce((sum, p) => sum + (p.stoppedAt! - p.startedAt), 0);
			expect(second.durationMs).toBeGreaterThan(first.durationMs + 2000);
			const probe = await ffprobe(path.join(packages.mediaDir(lessonId), 'program.webm'));
			expect(probe.streams).toEqual(['audio']);
			expect(Math.abs(probe.durationMs - total) / total).toBeLessThan(0.05);
		},
		90_000
	);

	it('everyone sees the REC indicator (students too); stop when off is a conflict; a student cannot record', async () => {
		const lesson = await createLesson(t, 1);
		const teacher = new TestClient(t.url, lesson.token('teacher'));
		const student = new TestClient(t.url, (await addStudent(t, lesson, 0, 'Wang Fang')).token);
		await teacher.joinLesson();
		await student.joinLesson();
		expect(student.join!.lesson.recording).toEqual({ state: 'off', since: null, auto: false, warning: null });
		expect(await teacher.send('recording.stop', {})).toMatchObject({ ok: false, error: { code: 'conflict' } });
		expect(await student.send('recording.start', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		await teacher.ok('recording.start', {});
		const on = await student.next('lesson.snapshot', (s) => s.recording.state === 'recording');
		expect(on.recording.since).not.toBeNull();
		// A student's question is kept with its text and channel (events carry only its length).
		await teacher.ok('lesson.setStudentChat', { mode: 'questions' });
		await student.ok('chat.send', { text: 'Is 2/4 the same as 1/2?' });
		await teacher.ok('recording.stop', {});
		await student.next('lesson.snapshot', (s) => s.recording.state === 'off' && s.version > on.version);
		const timeline = await new PackageStore(t.dataDir).readTimeline(lesson.lesson.id);
		expect(timeline.filter((e) => e.kind === 'chat')).toMatchObject([
			{ kind: 'chat', channel: 'question', role: 'student', text: 'Is 2/4 the same as 1/2?', from: 'Wang Fang', classroomId: lesson.classroomIds[0] }
		]);
		expect(t.events.filter((e) => e.lessonId === lesson.lesson.id && e.type.startsWith('recording.')).map((e) => [e.type, e.data, e.role])).toEqual([
			['recording.started', { part: 0 }, 'teacher'],
			['recording.stopped', { part: 0, reason: 'teacher' }, 'teacher']
		]);
		teacher.close();
		student.close();
	});
});

describe('a nearly full disk', () => {
	let t: TestApp;
	beforeAll(async () => {
		// More free space than any test machine has: every start finds the disk "nearly full".
		t = await startTestApp({ RECORDING_MIN_FREE_MB: String(1024 * 1024 * 1024) });
	});
	afterAll(() => t.stop());

	it('refuses to start with a clear reason and warns the teacher; the live lesson goes on', async () => {
		const lesson = await createLesson(t, 1);
		const teacher = new TestClient(t.url, lesson.token('teacher'));
		await teacher.joinLesson();
		const ack = await teacher.send('recording.start', {});
		expect(ack).toMatchObject({ ok: false, error: { code: 'unavailable' } });
		if (!ack.ok) expect(ack.error.message).toMatch(/disk/);
		const warned = await teacher.next('lesson.snapshot', (s) => s.recording.warning === 'disk_low');
		expect(warned.recording.state).toBe('off');
		await teacher.ok('chat.send', { text: 'still teaching' });
		teacher.close();
	});
});

describe('the disk fills up during a recording', () => {
	const MiB = 1024 * 1024;
	let t: TestApp;
	let dataDir: string;
	let thresholdMiB: number;
	beforeAll(async () => {
		dataDir = await mkdtemp(path.join(tmpdir(), 'cb-disk-'));
		const stats = await statfs(dataDir);
		const free = Number(stats.bavail) * Number(stats.bsize);
		// The threshold sits 256 MiB below what is free now; a 512 MiB file then pushes the disk past it.
		thresholdMiB = Math.floor(free / MiB) - 256;
		expect(thresholdMiB, 'this test needs 1 GiB free on the temp disk').toBeGreaterThan(768);
		t = await startTestApp({ RECORDING_MIN_FREE_MB: String(thresholdMiB), RECORDING_SEGMENT_SECONDS: '2' }, dataDir);
	});
	afterAll(async () => {
		await t.stop();
		await rm(dataDir, { recursive: true, force: true });
	});

	it(
		'stops the recording with a warning to the teacher, the lesson goes on, and what was recorded is kept',
		async () => {
			const lesson = await createLesson(t, 1);
			const lessonId = lesson.lesson.id;
			const packages = new PackageStore(dataDir);
			const teacher = new TestClient(t.url, lesson.token('teacher'));
			const room = new TestClient(t.url, lesson.token('classroom', 0));
			await Promise.all([teacher.joinLesson(), room.joinLesson()]);
			const session = t.app.signalling.sessions.get(lessonId)!;
			const mic = await publishFfmpegTrack(session, teacher.join!.self.id, 'mic');
			const filler = path.join(dataDir, 'filler.bin');
			try {
				await teacher.ok('recording.start', {});
				await sleep(4000);
				// Real blocks, not a sparse file: the file system's free space really drops.
				await promisify(execFile)('fallocate', ['-l', `${512 * MiB}`, filler]);
				const filledAt = Date.now();
				const warned = await teacher.next('lesson.snapshot', (s) => s.recording.warning === 'disk_low', 15_000);
				expect(warned.recording.state).toBe('off');
				expect(Date.now() - filledAt).toBeLessThan(10_000);
				expect(t.events.filter((e) => e.lessonId === lessonId && e.type === 'recording.stopped').map((e) => e.data)).toEqual([{ part: 0, reason: 'disk_low' }]);
				// The live lesson does not notice: chat and hands still work for everyone.
				await room.ok('hand.raise', {});
				await teacher.ok('chat.send', { text: 'still teaching' });
				await room.next('chat.message', (m) => m.text === 'still teaching');

				// Space freed, the lesson ends: the part recorded before the disk filled is finalised whole.
				await rm(filler, { force: true });
				await teacher.ok('lesson.end', {});
				await waitFor(async () => ((await packages.readManifest(lessonId))?.state === 'ready' ? true : undefined), 30_000, 'the package ready');
				const manifest = (await packages.readManifest(lessonId))!;
				const part = manifest.parts[0]!;
				expect(part.stoppedAt! - part.startedAt).toBeGreaterThan(4000);
				const probe = await ffprobe(path.join(packages.mediaDir(lessonId), 'program.webm'));
				expect(probe.streams).toEqual(['audio']);
				expect(Math.abs(probe.durationMs - (part.stoppedAt! - part.startedAt))).toBeLessThan(1000);
			} finally {
				await rm(filler, { force: true });
				teacher.close();
				room.close();
				await mic.close();
			}
		},
		90_000
	);
});
