import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Router, Worker } from '../../sfu/types.ts';
import { createTestRouter } from '../../sfu/testing/testRouter.ts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROUTER_MEDIA_CODECS } from '../../sfu/codecs.ts';
import { FinalMediaSchema } from '../../protocol/recording.ts';
import { PartRecorder, RecorderError, finaliseMedia, recoverPart, type PartSummary, type RecordedTrack, type TrackFault } from './index.ts';
import { probeMedia } from './probe.ts';
import { FfmpegSource } from './testing/ffmpegSource.ts';
import { decodeErrors, flashBeepOffsets } from './testing/mediaChecks.ts';

const teacher = (producerId: string, kind: 'audio' | 'video', source: RecordedTrack['source'] = kind === 'audio' ? 'mic' : 'camera'): RecordedTrack => ({
	producerId, kind, source, participantId: 'teacher-1', role: 'teacher', classroomId: null
});

describe('PartRecorder and finaliseMedia against a real worker and ffmpeg', () => {
	let worker: Worker;
	let router: Router;
	let root: string;
	const sources: FfmpegSource[] = [];
	const recorders: PartRecorder[] = [];

	beforeAll(async () => {
		({ worker, router } = await createTestRouter());
		root = await mkdtemp(path.join(tmpdir(), 'cb-rec-'));
	});
	afterEach(async () => {
		await Promise.all(recorders.splice(0).map((r) => r.stop().catch(() => undefined)));
		await Promise.all(sources.splice(0).map((s) => s.stop()));
	});
	afterAll(async () => {
		worker?.close();
		await rm(root, { recursive: true, force: true });
	});

	const source = async (...args: Parameters<typeof FfmpegSource.start>) => {
		const s = await FfmpegSource.start(...args);
		sources.push(s);
		return s;
	};
	const startPart = async (name: string, index = 0) => {
		const recorder = await PartRecorder.start(router, { dir: path.join(root, name, 'media', 'raw', `part-${index}`), index, segmentSeconds: 2 });
		recorders.push(recorder);
		return recorder;
	};

	it('records the teacher, a classroom mic and a screen span into a program and a screen file, in sync', async () => {
		const teacherSource = await source(router, { streams: [{ kind: 'video', width: 320, height: 240, fps: 15 }, { kind: 'audio', frequency: 2000 }], pattern: 'sync' });
		const classroom = await source(router, { streams: [{ kind: 'audio', frequency: 220 }] });
		const screenSource = await source(router, { streams: [{ kind: 'video', width: 640, height: 360, fps: 5 }], keyFrameInterval: 5 });
		const recorder = await startPart('full');
		const cam = teacherSource.producer('video');
		const mic = teacherSource.producer('audio');
		await Promise.all([recorder.addTrack(cam, teacher(cam.id, 'video')), recorder.addTrack(mic, teacher(mic.id, 'audio')), recorder.addTrack(mic, teacher(mic.id, 'audio'))]);
		const classMic = classroom.producer('audio');
		await recorder.addTrack(classMic, { producerId: classMic.id, kind: 'audio', source: 'mic', participantId: 'room-a', role: 'classroom', classroomId: 'cls_a' });
		expect(recorder.stats()).toHaveLength(3);

		await sleep(5000);
		const screen = screenSource.producer('video');
		const screenAddedAt = Date.now();
		await recorder.addTrack(screen, teacher(screen.id, 'video', 'screen'));
		await sleep(9000);
		await recorder.removeTrack(screen.id);
		const screenRemovedAt = Date.now();
		await sleep(6000);
		const part = await recorder.stop();
		const wallMs = part.stoppedAt - part.startedAt;
		expect(wallMs).toBeGreaterThan(19_000);

		const mediaDir = path.join(root, 'full', 'media');
		const progress: number[] = [];
		const media = FinalMediaSchema.parse(await finaliseMedia(mediaDir, [part], (f) => progress.push(f)));
		expect(progress[0]).toBe(0);
		expect(progress.at(-1)).toBe(1);
		expect(progress).toEqual([...progress].sort((a, b) => a - b));

		expect(media.durationMs).toBe(wallMs);
		expect(media.program).toMatchObject({ file: 'program.webm', hasVideo: true, hasAudio: true });
		const program = await probeMedia('/usr/bin/ffprobe', path.join(mediaDir, 'program.webm'));
		expect(program.streams.map((s) => `${s.codec_type}/${s.codec_name}`).sort()).toEqual(['audio/opus', 'video/vp8']);
		expect(Math.abs(program.durationSec * 1000 - wallMs) / wallMs).toBeLessThan(0.02);
		expect(await decodeErrors(path.join(mediaDir, 'program.webm'))).toBe('');
		expect(media.voices.map((v) => v.participantId).sort()).toEqual(['room-a', 'teacher-1']);

		expect(media.screens).toHaveLength(1);
		const [screenFile] = media.screens;
		// The span starts when recording of it began (plus the wait for its first key frame) and lasts until it was removed.
		expect(screenFile!.startMs).toBeGreaterThanOrEqual(screenAddedAt - part.startedAt - 100);
		expect(screenFile!.startMs).toBeLessThan(screenAddedAt - part.startedAt + 1500);
		expect(Math.abs(screenFile!.startMs + screenFile!.durationMs - (screenRemovedAt - part.startedAt))).toBeLessThan(1500);
		const screenProbe = await probeMedia('/usr/bin/ffprobe', path.join(mediaDir, screenFile!.file));
		expect(screenProbe.streams.map((s) => s.codec_type)).toEqual(['video']);
		expect(Math.abs(screenProbe.durationSec * 1000 - screenFile!.durationMs)).toBeLessThan(500);

		// The teacher's source flashes and beeps together every second: the recording must keep them together.
		const offsets = await flashBeepOffsets(path.join(mediaDir, 'program.webm'));
		expect(offsets.length).toBeGreaterThanOrEqual(15);
		const worst = Math.max(...offsets.map(Math.abs));
		console.info(`A/V offset over ${offsets.length} flashes: mean ${(offsets.reduce((s, o) => s + o, 0) / offsets.length).toFixed(1)} ms, worst ${worst.toFixed(1)} ms`);
		expect(worst).toBeLessThan(80);
	}, 90_000);

	it('restarts a killed ffmpeg at once: a fault with a short gap, a new segment, and a file that plays across it', async () => {
		const teacherSource = await source(router, { streams: [{ kind: 'video', width: 320, height: 240, fps: 15 }, { kind: 'audio', frequency: 2000 }], pattern: 'sync' });
		const recorder = await startPart('killed');
		const faults: TrackFault[] = [];
		recorder.on('fault', (f) => faults.push(f));
		for (const p of teacherSource.producers) await recorder.addTrack(p, teacher(p.id, p.kind));
		await sleep(6000);
		const killed = recorder.stats().map((s) => s.pid!);
		for (const pid of killed) process.kill(pid, 'SIGKILL');
		await sleep(7000);
		const after = recorder.stats();
		expect(after.map((s) => s.runs)).toEqual([2, 2]);
		expect(after.every((s) => s.pid !== null && !killed.includes(s.pid))).toBe(true);
		expect(faults).toHaveLength(2);
		for (const fault of faults) {
			expect(fault.gapMs).toBeGreaterThan(0);
			expect(fault.gapMs).toBeLessThanOrEqual(3000);
			expect(fault.message).toContain('SIGKILL');
		}
		const part = await recorder.stop();
		for (const track of part.tracks) {
			expect(track.runs[0]!.endedBy).toBe('crash');
			expect(track.runs[1]!.segments.length).toBeGreaterThan(0);
		}

		const mediaDir = path.join(root, 'killed', 'media');
		const media = await finaliseMedia(mediaDir, [part], () => undefined);
		expect(media.gaps.filter((g) => g.reason === 'ffmpeg_restart')).toHaveLength(2);
		for (const gap of media.gaps) expect(gap.durationMs).toBeLessThanOrEqual(3000);
		const wallMs = part.stoppedAt - part.startedAt;
		const program = await probeMedia('/usr/bin/ffprobe', path.join(mediaDir, 'program.webm'));
		expect(Math.abs(program.durationSec * 1000 - wallMs) / wallMs).toBeLessThan(0.02);
		expect(await decodeErrors(path.join(mediaDir, 'program.webm'))).toBe('');
		// Still in sync after the restart (both tracks were restarted and re-anchored).
		const offsets = await flashBeepOffsets(path.join(mediaDir, 'program.webm'));
		expect(offsets.length).toBeGreaterThanOrEqual(9);
		expect(Math.max(...offsets.map(Math.abs))).toBeLessThan(80);
	}, 60_000);

	it('recovers a part its server abandoned (killed mid-recording), and finalises it', async () => {
		const dir = path.join(root, 'abandoned', 'media', 'raw', 'part-0');
		const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'testing', 'abandonedRecorder.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
		const [line] = (await once(child.stdout!, 'data')) as [Buffer];
		const { sourcePid, startedAt } = JSON.parse(line.toString()) as { sourcePid: number; startedAt: number };
		await sleep(7000);
		child.kill('SIGKILL');
		const killedAt = Date.now();
		await once(child, 'exit');
		process.kill(sourcePid, 'SIGTERM');

		const part = await recoverPart(dir);
		expect(part).not.toBeNull();
		expect(part!.recovered).toBe(true);
		expect(part!.startedAt).toBe(startedAt);
		// Closed at the last segment's end: what was written before the kill (segments of 2 s, clusters of 0.5 s).
		expect(part!.stoppedAt).toBeLessThanOrEqual(killedAt + 200);
		expect(part!.stoppedAt).toBeGreaterThan(killedAt - 2500);
		expect(part!.tracks.flatMap((t) => t.runs.map((r) => r.endedBy))).toEqual(['server', 'server']);
		expect(await recoverPart(dir)).toMatchObject({ stoppedAt: part!.stoppedAt });

		const mediaDir = path.join(root, 'abandoned', 'media');
		const media = await finaliseMedia(mediaDir, [part!], () => undefined);
		expect(media.program).toMatchObject({ hasVideo: true, hasAudio: true });
		expect(media.gaps).toEqual([expect.objectContaining({ reason: 'server_restart', atMs: part!.stoppedAt - part!.startedAt })]);
		const program = await probeMedia('/usr/bin/ffprobe', path.join(mediaDir, 'program.webm'));
		const lengthMs = part!.stoppedAt - part!.startedAt;
		expect(Math.abs(program.durationSec * 1000 - lengthMs) / lengthMs).toBeLessThan(0.02);
		expect(await decodeErrors(path.join(mediaDir, 'program.webm'))).toBe('');
	}, 60_000);

	it('places a second part after the first on the media timeline', async () => {
		const teacherSource = await source(router, { streams: [{ kind: 'audio', frequency: 660 }] });
		const mic = teacherSource.producer('audio');
		const parts: PartSummary[] = [];
		for (const index of [0, 1]) {
			const recorder = await startPart('two-parts', index);
			await recorder.addTrack(mic, teacher(mic.id, 'audio'));
			await sleep(3000);
			parts.push(await recorder.stop());
			await sleep(1500);
		}
		const total = parts.reduce((s, p) => s + p.stoppedAt - p.startedAt, 0);
		const mediaDir = path.join(root, 'two-parts', 'media');
		const media = await finaliseMedia(mediaDir, parts.reverse(), () => undefined);
		expect(media.durationMs).toBe(total);
		expect(media.program).toMatchObject({ hasVideo: false, hasAudio: true });
		const program = await probeMedia('/usr/bin/ffprobe', path.join(mediaDir, 'program.webm'));
		expect(Math.abs(program.durationSec * 1000 - total)).toBeLessThan(150);
	}, 40_000);

	it('keeps a short screen share at 2 fps (a still page): its span is in the package', async () => {
		const teacherSource = await source(router, { streams: [{ kind: 'audio', frequency: 440 }] });
		const screenSource = await source(router, { streams: [{ kind: 'video', width: 1280, height: 720, fps: 2 }], keyFrameInterval: 4 });
		const recorder = await startPart('still-screen');
		const mic = teacherSource.producer('audio');
		await recorder.addTrack(mic, teacher(mic.id, 'audio'));
		const screen = screenSource.producer('video');
		await recorder.addTrack(screen, teacher(screen.id, 'video', 'screen'));
		await sleep(6000);
		await recorder.removeTrack(screen.id);
		const part = await recorder.stop();
		const mediaDir = path.join(root, 'still-screen', 'media');
		const media = await finaliseMedia(mediaDir, [part], () => undefined);
		expect(media.screens).toHaveLength(1);
		expect(media.screens[0]!.durationMs).toBeGreaterThan(4000);
		const probe = await probeMedia('/usr/bin/ffprobe', path.join(mediaDir, media.screens[0]!.file));
		expect(probe.durationSec).toBeGreaterThan(4);
	}, 40_000);

	it('rejects wrong arguments', async () => {
		const other = await worker.createRouter({ mediaCodecs: ROUTER_MEDIA_CODECS });
		const foreign = await source(other, { streams: [{ kind: 'audio', frequency: 500 }] });
		const own = await source(router, { streams: [{ kind: 'audio', frequency: 500 }] });
		const recorder = await startPart('wrong');
		const foreignMic = foreign.producer('audio');
		const ownMic = own.producer('audio');
		await expect(recorder.addTrack(foreignMic, teacher(foreignMic.id, 'audio'))).rejects.toMatchObject({ reason: 'not_found' });
		await expect(recorder.addTrack(ownMic, teacher('someone-else', 'audio'))).rejects.toMatchObject({ reason: 'invalid' });
		await expect(recorder.addTrack(ownMic, teacher(ownMic.id, 'video'))).rejects.toMatchObject({ reason: 'invalid' });
		await expect(recorder.removeTrack('no-such-producer')).rejects.toMatchObject({ reason: 'not_found' });
		await recorder.stop();
		await expect(recorder.addTrack(ownMic, teacher(ownMic.id, 'audio'))).rejects.toBeInstanceOf(RecorderError);
		await expect(recorder.addTrack(ownMic, teacher(ownMic.id, 'audio'))).rejects.toMatchObject({ reason: 'closed' });
		expect(await readdir(recorder.dir)).toEqual(['part.json']);

		const aFile = path.join(root, 'not-a-folder');
		await writeFile(aFile, 'x');
		await expect(PartRecorder.start(router, { dir: path.join(aFile, 'part-0'), index: 0 })).rejects.toMatchObject({ reason: 'io' });
		const readOnly = path.join(root, 'read-only');
		await PartRecorder.start(router, { dir: readOnly, index: 0 }).then((r) => r.stop());
		await chmod(readOnly, 0o500);
		if (process.getuid?.() !== 0) {
			await expect(PartRecorder.start(router, { dir: path.join(readOnly, 'part-1'), index: 1 })).rejects.toMatchObject({ reason: 'io' });
		}
		await chmod(readOnly, 0o700);
		await expect(PartRecorder.start(router, { dir: path.join(root, 'bad-index'), index: -1 })).rejects.toMatchObject({ reason: 'invalid' });
		await expect(PartRecorder.start(router, { dir: path.join(root, 'bad-segments'), index: 0, segmentSeconds: 0 })).rejects.toMatchObject({ reason: 'invalid' });
		await expect(PartRecorder.start(router, { dir: path.join(root, 'no-ffmpeg'), index: 0, ffmpegPath: '/nonexistent/ffmpeg' })).rejects.toMatchObject({ reason: 'invalid' });

		await expect(finaliseMedia(path.join(root, 'wrong', 'media'), [{ index: 0 } as unknown as PartSummary], () => undefined)).rejects.toMatchObject({ reason: 'invalid' });
		expect(await recoverPart(path.join(root, 'nothing-here'))).toBeNull();
		// Segments that are not there (the raw folder was removed): ffmpeg's failure, and no half-written file.
		const missing: PartSummary = {
			index: 0, startedAt: 1000, stoppedAt: 5000, dir: path.join(root, 'gone'), recovered: false, segmentSeconds: 2,
			tracks: [{ ...teacher('p-gone', 'audio'), clockRate: 48000, runs: [{ index: 0, folder: 'tr-p-gone/run-000', spawnedAt: 1000, pid: null, firstPacketAt: 1100, baseRtpTimestamp: 0, anchors: [], endedBy: 'stop', endedAt: 5000, segments: [{ file: 'seg-00000.webm', startSec: 0, endSec: 2 }] }] }]
		};
		const goneMedia = path.join(root, 'gone-media');
		await expect(finaliseMedia(goneMedia, [missing], () => undefined)).rejects.toMatchObject({ reason: 'ffmpeg' });
		expect(await readdir(goneMedia)).toEqual([]);
		other.close();
	}, 30_000);

	it('stops at once on a producer that never sent (paused), leaving nothing to finalise', async () => {
		const teacherSource = await source(router, { streams: [{ kind: 'video', width: 320, height: 240, fps: 15 }] });
		const cam = teacherSource.producer('video');
		await cam.pause();
		const recorder = await startPart('paused');
		await recorder.addTrack(cam, teacher(cam.id, 'video'));
		await sleep(1500);
		expect(recorder.stats()[0]).toMatchObject({ packetsSeen: false, runs: 1 });
		const stopping = Date.now();
		const part = await recorder.stop();
		expect(Date.now() - stopping).toBeLessThan(2000);
		expect(part.tracks[0]!.runs[0]).toMatchObject({ firstPacketAt: null, endedBy: 'stop', segments: [] });
		const media = await finaliseMedia(path.join(root, 'paused', 'media'), [part], () => undefined);
		expect(media).toMatchObject({ program: null, screens: [], voices: [] });
		expect(media.durationMs).toBe(part.stoppedAt - part.startedAt);
	});

	it('warns once when the disk is nearly full', async () => {
		const recorder = await PartRecorder.start(router, { dir: path.join(root, 'disk'), index: 0, minFreeBytes: Number.MAX_SAFE_INTEGER });
		recorders.push(recorder);
		const [low] = (await once(recorder, 'diskLow')) as [{ freeBytes: number }];
		expect(low.freeBytes).toBeGreaterThan(0);
		expect(low.freeBytes).toBeLessThan(Number.MAX_SAFE_INTEGER);
		let again = 0;
		recorder.on('diskLow', () => again++);
		await sleep(2500);
		expect(again).toBe(0);
	});
});
