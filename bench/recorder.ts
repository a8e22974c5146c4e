/**
 * Recorder benchmark (`npm run bench:recorder`).
 *
 * One lesson as the recorder sees it: a real mediasoup worker and router; ffmpeg-fed producers
 * (teacher camera 960x540 25 fps ~1.2 Mbit/s, teacher mic, a 1280x720 5 fps screen, four classroom
 * mics), sent from pre-encoded clips copied to RTP in a loop, so the sources cost next to nothing
 * and their CPU is not counted. The recording runs in real time (media time is server time, so it
 * cannot be fed faster); then the lesson ends and the clock runs until the replay media is ready.
 *
 * Measured: CPU of the recorder's ffmpeg processes (from /proc), plus what recording adds to the
 * mediasoup worker and to this Node process (their CPU rate while recording minus a baseline taken
 * with the same sources and no recorder), in 10 s windows; RSS of the recorder's ffmpegs; the time
 * from the lesson's end to FinalMedia (PartRecorder.stop + finaliseMedia); and on the result: the
 * duration error and the A/V offset of the teacher's flash/beep pattern over the whole lesson.
 *
 * Overrides (env): RECORDER_MINUTES=10  RECORDER_BASELINE_S=30  RECORDER_OUT=path.json
 *                  RECORDER_UPDATE_DOC=0 (leave BENCHMARKS.md alone)  RECORDER_KEEP=1 (keep the files)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path, { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as mediasoup from 'mediasoup';
import { processCpuMs, processRssMb } from './fanout/stats.ts';
import { round, percentile } from './lib/summary.ts';
import { encodeClips } from './recorder/clips.ts';
import { ROUTER_MEDIA_CODECS } from '../sfu/codecs.ts';
import { PartRecorder, finaliseMedia, type RecordedTrack } from '../recorder/media/index.ts';
import { probeMedia } from '../recorder/media/probe.ts';
import { FfmpegSource } from '../recorder/media/testing/ffmpegSource.ts';
import { decodeErrors, flashBeepOffsets } from '../recorder/media/testing/mediaChecks.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const MINUTES = Number(process.env.RECORDER_MINUTES ?? 10);
const BASELINE_S = Number(process.env.RECORDER_BASELINE_S ?? 30);
const OUT = process.env.RECORDER_OUT ?? resolve(HERE, 'results/recorder.json');
const WINDOW_MS = 10_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Proportional and private memory (MiB) from /proc/<pid>/smaps_rollup: RSS counts ffmpeg's ~40 MB of shared libraries in full for every process. */
function memoryOf(pid: number): { pssMb: number; privateMb: number } {
	try {
		const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
		const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
		return { pssMb: kb('Pss') / 1024, privateMb: (kb('Private_Dirty') + kb('Private_Clean')) / 1024 };
	} catch {
		return { pssMb: NaN, privateMb: NaN };
	}
}
const cpuOf = (pids: number[]) => pids.reduce((sum, pid) => sum + (processCpuMs(pid) ?? 0), 0);
const spread = (values: number[]) => {
	const s = [...values].sort((a, b) => a - b);
	return { samples: s.length, p50: round(percentile(s, 50), 2), p90: round(percentile(s, 90), 2), max: round(s.at(-1) ?? NaN, 2), mean: round(s.reduce((a, b) => a + b, 0) / (s.length || 1), 2) };
};

/** Least-squares slope (ms per flash, one flash a second) of the offsets: a drift, if any. */
function trendPerSecond(values: number[]): number {
	const n = values.length;
	if (n < 2) return 0;
	const mx = (n - 1) / 2;
	const my = values.reduce((a, b) => a + b, 0) / n;
	let num = 0;
	let den = 0;
	values.forEach((y, x) => {
		num += (x - mx) * (y - my);
		den += (x - mx) ** 2;
	});
	return num / den;
}

async function main(): Promise<void> {
	const work = await mkdtemp(path.join(tmpdir(), 'cb-bench-rec-'));
	console.log(`encoding source clips in ${work}`);
	const clips = await encodeClips(work);

	const worker = await mediasoup.createWorker({ logLevel: 'none' });
	const router = await worker.createRouter({ mediaCodecs: ROUTER_MEDIA_CODECS });
	const teacherSource = await FfmpegSource.start(router, { loopFile: clips.teacher, streams: [{ kind: 'video', width: 960, height: 540, fps: 25 }, { kind: 'audio', frequency: 0 }] });
	const screenSource = await FfmpegSource.start(router, { loopFile: clips.screen, streams: [{ kind: 'video', width: 1280, height: 720, fps: 5 }] });
	const classroomSources = await Promise.all([0, 1, 2, 3].map(() => FfmpegSource.start(router, { loopFile: clips.classroom, streams: [{ kind: 'audio', frequency: 0 }] })));

	// Baseline: the same producers flowing, nothing recording.
	const workerPid = worker.pid;
	const nodeCpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
	console.log(`baseline ${BASELINE_S} s`);
	await sleep(2000);
	let t0 = Date.now();
	let w0 = processCpuMs(workerPid) ?? 0;
	let n0 = nodeCpu();
	await sleep(BASELINE_S * 1000);
	const baselineSeconds = (Date.now() - t0) / 1000;
	const workerBaselinePct = (((processCpuMs(workerPid) ?? 0) - w0) / 1000 / baselineSeconds) * 100;
	const nodeBaselinePct = ((nodeCpu() - n0) / 1000 / baselineSeconds) * 100;

	const mediaDir = path.join(work, 'lesson', 'media');
	const recorder = await PartRecorder.start(router, { dir: path.join(mediaDir, 'raw', 'part-0'), index: 0 });
	const faults: unknown[] = [];
	recorder.on('fault', (f) => faults.push(f));
	const track = (producerId: string, kind: 'audio' | 'video', source: RecordedTrack['source'], participantId: string, role: string, classroomId: string | null): RecordedTrack => ({ producerId, kind, source, participantId, role, classroomId });
	const cam = teacherSource.producer('video');
	const mic = teacherSource.producer('audio');
	const screen = screenSource.producer('video');
	await recorder.addTrack(cam, track(cam.id, 'video', 'camera', 'teacher', 'teacher', null));
	await recorder.addTrack(mic, track(mic.id, 'audio', 'mic', 'teacher', 'teacher', null));
	await recorder.addTrack(screen, track(screen.id, 'video', 'screen', 'teacher', 'teacher', null));
	for (const [i, source] of classroomSources.entries()) {
		const p = source.producer('audio');
		await recorder.addTrack(p, track(p.id, 'audio', 'mic', `room-${i}`, 'classroom', `cls_${i}`));
	}
	const pids = recorder.stats().map((s) => s.pid!).filter(Boolean);
	console.log(`recording ${MINUTES} min in real time: ${pids.length} ffmpeg processes`);

	const windows: { ffmpegPct: number; workerAddedPct: number; nodeAddedPct: number; totalPct: number }[] = [];
	const rss: number[] = [];
	const pss: number[] = [];
	const privateMem: number[] = [];
	const workerRssBefore = processRssMb(workerPid) ?? NaN;
	await sleep(3000);
	const endAt = recorder.startedAt + MINUTES * 60_000;
	t0 = Date.now();
	let f0 = cpuOf(pids);
	w0 = processCpuMs(workerPid) ?? 0;
	n0 = nodeCpu();
	while (Date.now() + WINDOW_MS <= endAt) {
		await sleep(WINDOW_MS);
		const now = Date.now();
		const seconds = (now - t0) / 1000;
		const f1 = cpuOf(pids);
		const w1 = processCpuMs(workerPid) ?? 0;
		const n1 = nodeCpu();
		const ffmpegPct = ((f1 - f0) / 1000 / seconds) * 100;
		const workerAddedPct = Math.max(0, ((w1 - w0) / 1000 / seconds) * 100 - workerBaselinePct);
		const nodeAddedPct = Math.max(0, ((n1 - n0) / 1000 / seconds) * 100 - nodeBaselinePct);
		windows.push({ ffmpegPct, workerAddedPct, nodeAddedPct, totalPct: ffmpegPct + workerAddedPct + nodeAddedPct });
		rss.push(pids.reduce((s, pid) => s + (processRssMb(pid) ?? 0), 0));
		pss.push(pids.reduce((s, pid) => s + memoryOf(pid).pssMb, 0));
		privateMem.push(pids.reduce((s, pid) => s + memoryOf(pid).privateMb, 0));
		[t0, f0, w0, n0] = [now, f1, w1, n1];
		if (windows.length % 6 === 0) console.log(`  ${Math.round((now - recorder.startedAt) / 1000)} s: recorder ${windows.at(-1)!.totalPct.toFixed(2)} % of a core`);
	}
	await sleep(Math.max(0, endAt - Date.now()));
	const workerRssAdded = (processRssMb(workerPid) ?? NaN) - workerRssBefore;

	// The lesson ends: stop, then finalise, timed together.
	const endedAt = Date.now();
	const part = await recorder.stop();
	const stopMs = Date.now() - endedAt;
	const progress: { atMs: number; fraction: number }[] = [];
	const media = await finaliseMedia(mediaDir, [part], (fraction) => progress.push({ atMs: Date.now() - endedAt, fraction }));
	const readyMs = Date.now() - endedAt;
	console.log(`ready ${readyMs} ms after the end (stop ${stopMs} ms)`);

	for (const s of [teacherSource, screenSource, ...classroomSources]) await s.stop();
	worker.close();

	const wallMs = part.stoppedAt - part.startedAt;
	const programFile = path.join(mediaDir, 'program.webm');
	const program = await probeMedia('/usr/bin/ffprobe', programFile);
	const decode = await decodeErrors(programFile);
	const offsets = await flashBeepOffsets(programFile);
	const absOffsets = offsets.map(Math.abs);
	const firstMinute = offsets.slice(0, 60);
	const lastMinute = offsets.slice(-60);
	const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
	const segments = part.tracks.reduce((s, t) => s + t.runs.reduce((r, run) => r + run.segments.length, 0), 0);

	const total = spread(windows.map((w) => w.totalPct));
	const result = {
		cpuPercentPerLesson: total.mean,
		readySeconds: round(readyMs / 1000, 2),
		date: new Date().toISOString(),
		machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', note: 'shared 2-core machine; other helpers were running' },
		lesson: { minutes: MINUTES, realTime: true, tracks: { teacherCamera: '960x540 25 fps VP8 ~1.2 Mbit/s', teacherMic: 'Opus 32 kbit/s', screen: '1280x720 5 fps VP8 ~0.4 Mbit/s', classroomMics: 4 }, ffmpegProcesses: pids.length, segments },
		cpu: {
			windowSeconds: WINDOW_MS / 1000,
			percentOfOneCore: total,
			ffmpeg: spread(windows.map((w) => w.ffmpegPct)),
			workerAdded: spread(windows.map((w) => w.workerAddedPct)),
			nodeAdded: spread(windows.map((w) => w.nodeAddedPct)),
			baseline: { workerPercent: round(workerBaselinePct, 2), nodePercent: round(nodeBaselinePct, 2), seconds: round(baselineSeconds, 1) }
		},
		rssMb: {
			ffmpegTotal: spread(rss),
			perFfmpeg: round((rss.at(-1) ?? 0) / (pids.length || 1), 1),
			ffmpegPssTotal: spread(pss),
			ffmpegPrivateTotal: spread(privateMem),
			workerAdded: round(workerRssAdded, 1)
		},
		ready: { stopMs, finaliseMs: readyMs - stopMs, progressUpdates: progress.length },
		output: {
			durationErrorPercent: round(((program.durationSec * 1000 - wallMs) / wallMs) * 100, 3),
			programSeconds: round(program.durationSec, 2),
			wallSeconds: round(wallMs / 1000, 2),
			streams: program.streams.map((s) => `${s.codec_type}/${s.codec_name}`),
			programMb: round((media.program?.bytes ?? 0) / 1024 / 1024, 1),
			screens: media.screens.map((s) => ({ file: s.file, startMs: s.startMs, durationMs: s.durationMs, mb: round(s.bytes / 1024 / 1024, 1) })),
			decodeErrors: decode === '' ? 0 : decode.split('\n').length,
			faults: faults.length
		},
		sync: {
			flashes: offsets.length,
			offsetMs: { mean: round(mean(offsets), 1), p50Abs: round(percentile([...absOffsets].sort((a, b) => a - b), 50), 1), p99Abs: round(percentile([...absOffsets].sort((a, b) => a - b), 99), 1), maxAbs: round(Math.max(...absOffsets), 1) },
			driftMs: round(mean(lastMinute) - mean(firstMinute), 1),
			perMinuteMeanMs: Array.from({ length: Math.ceil(offsets.length / 60) }, (_, m) => round(mean(offsets.slice(m * 60, m * 60 + 60)), 1)),
			trendMsPer30Min: round(trendPerSecond(offsets) * 1800, 1)
		},
		targets: { cpuPercentPerLesson: 5, readySeconds: 30, syncMs: 100 },
		meetsTargets: total.mean <= 5 && readyMs <= 30_000 && Math.max(...absOffsets) < 100
	};
	writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
	console.log(JSON.stringify(result, null, 2));
	if (process.env.RECORDER_UPDATE_DOC !== '0') updateDoc(result);
	if (process.env.RECORDER_KEEP === '1') console.log(`kept ${work}`);
	else await rm(work, { recursive: true, force: true });
	process.exit(0);
}

type Result = {
	cpuPercentPerLesson: number;
	readySeconds: number;
	date: string;
	machine: { cores: number; cpu: string };
	lesson: { minutes: number; ffmpegProcesses: number; segments: number };
	cpu: { percentOfOneCore: ReturnType<typeof spread>; ffmpeg: ReturnType<typeof spread>; workerAdded: ReturnType<typeof spread>; nodeAdded: ReturnType<typeof spread> };
	rssMb: { ffmpegTotal: ReturnType<typeof spread>; perFfmpeg: number; ffmpegPssTotal: ReturnType<typeof spread>; ffmpegPrivateTotal: ReturnType<typeof spread>; workerAdded: number };
	ready: { stopMs: number; finaliseMs: number };
	output: { durationErrorPercent: number; programMb: number; decodeErrors: number };
	sync: { flashes: number; offsetMs: { mean: number; p50Abs: number; p99Abs: number; maxAbs: number }; driftMs: number; perMinuteMeanMs: number[]; trendMsPer30Min: number };
};

function updateDoc(r: Result): void {
	const file = resolve(HERE, '../BENCHMARKS.md');
	const doc = readFileSync(file, 'utf8');
	const c = r.cpu;
	const table = [
		`Run ${r.date.slice(0, 10)} on ${r.machine.cores} cores (${r.machine.cpu}), shared with other work; one ${r.lesson.minutes}-minute lesson recorded in real time, ${r.lesson.ffmpegProcesses} ffmpeg processes, ${r.lesson.segments} segments.`,
		'',
		'| CPU, % of one core (10 s windows) | mean | p50 | p90 | max |',
		'| --- | --- | --- | --- | --- |',
		`| **recorder total** | **${c.percentOfOneCore.mean}** | ${c.percentOfOneCore.p50} | ${c.percentOfOneCore.p90} | ${c.percentOfOneCore.max} |`,
		`| ffmpeg processes (7) | ${c.ffmpeg.mean} | ${c.ffmpeg.p50} | ${c.ffmpeg.p90} | ${c.ffmpeg.max} |`,
		`| added to the mediasoup worker | ${c.workerAdded.mean} | ${c.workerAdded.p50} | ${c.workerAdded.p90} | ${c.workerAdded.max} |`,
		`| added to Node | ${c.nodeAdded.mean} | ${c.nodeAdded.p50} | ${c.nodeAdded.p90} | ${c.nodeAdded.max} |`,
		'',
		`Lesson end → replay ready: **${r.readySeconds} s** (stop ${r.ready.stopMs} ms, finalise ${r.ready.finaliseMs} ms). ` +
			`Memory of the recorder's ffmpegs: RSS ${r.rssMb.ffmpegTotal.max} MB in all (${r.rssMb.perFfmpeg} MB each, mostly shared libraries), PSS ${r.rssMb.ffmpegPssTotal.max} MB, private ${r.rssMb.ffmpegPrivateTotal.max} MB; worker RSS +${r.rssMb.workerAdded} MB. ` +
			`program.webm: ${r.output.programMb} MB, duration error ${r.output.durationErrorPercent} %, ${r.output.decodeErrors} decode errors. ` +
			`A/V offset over ${r.sync.flashes} flashes: mean ${r.sync.offsetMs.mean} ms, p99 |offset| ${r.sync.offsetMs.p99Abs} ms, max ${r.sync.offsetMs.maxAbs} ms; per-minute means ${r.sync.perMinuteMeanMs.join(', ')} ms (trend ${r.sync.trendMsPer30Min} ms per 30 min).`
	].join('\n');
	const begin = '<!-- recorder:results:begin -->';
	const end = '<!-- recorder:results:end -->';
	const block = `${begin}\n${table}\n${end}`;
	const next = doc.includes(begin) ? doc.replace(new RegExp(`${begin}[\\s\\S]*?${end}`), block) : `${doc.trimEnd()}\n\n## Recorder (\`npm run bench:recorder\`)\n\n${block}\n`;
	writeFileSync(file, next);
}

main().catch((error: Error) => {
	console.error(error);
	process.exit(1);
});
