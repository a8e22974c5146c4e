import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FinalMedia } from '../../protocol/recording.ts';
import { RecorderError } from './errors.ts';
import { runFfmpegJob } from './ffmpegJob.ts';
import { moduleLogger } from '../../core/logger.ts';
import { concatList, placeParts, type PlacedGap, type PlacedTrack } from './placement.ts';
import { PartSummarySchema, type PartSummary } from './types.ts';

const log = moduleLogger('recorder:finalise');

export interface FinaliseOptions {
	ffmpegPath?: string;
	/** Opus bitrate of the mixed programme audio (default 48 kb/s mono: speech). */
	audioBitrate?: string;
}

interface Job {
	/** Jobs of one lane run one after another; the two lanes run side by side (two cores). */
	lane: 'program' | 'copy';
	/** Output length, for progress. */
	durationMs: number;
	/** Relative cost, for progress: decoding and mixing audio weighs more than copying video. */
	weight: number;
	run: (onProgress: (fraction: number) => void) => Promise<void>;
}

/** Longer than a frame at 15 fps: where video moves earlier, at least one frame is dropped rather than squeezed. */
const VIDEO_OVERLAP_GUARD_MS = 70;

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/**
 * Turns the recorded parts into the package's media (after the lesson, off the live path):
 * media/program.webm — the teacher's camera copied as recorded, with ONE audio track mixing every
 * recorded microphone (teacher, classrooms, assistants), each at its place on the media timeline —
 * and media/screen-<n>.webm per screen-share producer. Both seekable (cues at the front). The raw
 * segments stay; the caller removes them once it has kept the result.
 */
export async function finaliseMedia(mediaDir: string, parts: PartSummary[], onProgress: (fraction: number) => void, options: FinaliseOptions = {}): Promise<FinalMedia> {
	const ffmpegPath = options.ffmpegPath ?? '/usr/bin/ffmpeg';
	for (const part of parts) {
		const parsed = PartSummarySchema.safeParse(part);
		if (!parsed.success) throw new RecorderError('invalid', `part ${String(part?.index)} is malformed: ${parsed.error.issues[0]?.message ?? ''}`);
	}
	if (new Set(parts.map((p) => p.index)).size !== parts.length) throw new RecorderError('invalid', 'two parts share an index');
	const placed = placeParts(parts);
	const withMedia = placed.tracks.filter((t) => t.segments.length > 0);
	const cameras = withMedia.filter((t) => t.track.source === 'camera' && t.track.role === 'teacher');
	const mics = withMedia.filter((t) => t.track.source === 'mic');
	const screens = withMedia.filter((t) => t.track.source === 'screen').sort((a, b) => a.segments[0]!.startMs - b.segments[0]!.startMs);

	const work = path.join(mediaDir, '.finalise');
	await rm(work, { recursive: true, force: true });
	await mkdir(work, { recursive: true });
	const jobs: Job[] = [];
	const result: FinalMedia = { durationMs: Math.round(placed.durationMs), program: null, screens: [], gaps: [], voices: [] };

	const camera = mergeCameras(cameras);
	if (camera || mics.length > 0) {
		const args = await programArgs(work, camera, mics, placed.durationMs, options.audioBitrate ?? '48k');
		const target = path.join(mediaDir, 'program.webm');
		jobs.push({
			lane: 'program',
			durationMs: placed.durationMs,
			weight: 1 + mics.length,
			run: async (progress) => {
				await runFfmpegJob(ffmpegPath, [...args, '-f', 'webm', '-cues_to_front', '1', '-y', `${target}.part`], placed.durationMs, progress);
				await rename(`${target}.part`, target);
				result.program = { file: 'program.webm', bytes: (await stat(target)).size, hasVideo: camera !== null, hasAudio: mics.length > 0 };
			}
		});
	}
	const screenResults: FinalMedia['screens'] = [];
	for (const [n, screen] of screens.entries()) {
		const startMs = screen.segments[0]!.startMs;
		const durationMs = screen.segments.at(-1)!.endMs - startMs;
		const list = path.join(work, `screen-${n}.ffconcat`);
		await writeFile(list, concatList(screen.segments, VIDEO_OVERLAP_GUARD_MS));
		const file = `screen-${n}.webm`;
		const target = path.join(mediaDir, file);
		jobs.push({
			lane: 'copy',
			durationMs,
			weight: 0.3,
			run: async (progress) => {
				await runFfmpegJob(ffmpegPath, ['-f', 'concat', '-safe', '0', '-i', list, '-map', '0:v', '-c', 'copy', '-f', 'webm', '-cues_to_front', '1', '-y', `${target}.part`], durationMs, progress);
				await rename(`${target}.part`, target);
				screenResults[n] = { file, bytes: (await stat(target)).size, startMs: Math.round(startMs), durationMs: Math.round(durationMs) };
			}
		});
	}

	const total = jobs.reduce((s, j) => s + j.weight * Math.max(1, j.durationMs), 0);
	const done = jobs.map(() => 0);
	let reported = 0;
	const report = () => {
		const fraction = jobs.reduce((s, j, i) => s + j.weight * Math.max(1, j.durationMs) * done[i]!, 0) / (total || 1);
		if (fraction > reported + 0.005 || fraction >= 1) {
			reported = fraction;
			onProgress(Math.min(1, fraction));
		}
	};
	onProgress(0);
	const started = Date.now();
	try {
		const lane = async (name: Job['lane']) => {
			for (const [i, job] of jobs.entries()) {
				if (job.lane === name) await job.run((fraction) => ((done[i] = fraction), report()));
			}
		};
		// Both lanes finish (or fail) before the lists go away; the first failure is the answer.
		const failed = (await Promise.allSettled([lane('program'), lane('copy')])).find((o) => o.status === 'rejected');
		if (failed) {
			const leftovers = ['program.webm.part', ...screens.map((_, n) => `screen-${n}.webm.part`)];
			await Promise.all(leftovers.map((f) => rm(path.join(mediaDir, f), { force: true })));
			throw failed.reason;
		}
	} finally {
		await rm(work, { recursive: true, force: true });
	}
	result.screens = screenResults.filter(Boolean);
	result.gaps = gapsOf([...(camera ? [camera] : []), ...mics, ...screens], placed.serverRestarts);
	result.voices = uniqueVoices(mics);
	if (reported < 1) onProgress(1);
	log.info({ mediaDir, durationMs: result.durationMs, screens: result.screens.length, voices: result.voices.length, ms: Date.now() - started }, 'media finalised');
	return result;
}

/** The teacher may have published more than one camera over the lesson: one video track, in time order, never overlapping. */
function mergeCameras(cameras: PlacedTrack[]): PlacedTrack | null {
	if (cameras.length === 0) return null;
	const segments = cameras.flatMap((c) => c.segments).sort((a, b) => a.startMs - b.startMs);
	return { track: cameras[0]!.track, segments, gaps: cameras.flatMap((c) => c.gaps) };
}

async function programArgs(work: string, camera: PlacedTrack | null, mics: PlacedTrack[], durationMs: number, audioBitrate: string): Promise<string[]> {
	const inputs: string[] = [];
	let index = 0;
	let videoInput = -1;
	if (camera) {
		const list = path.join(work, 'camera.ffconcat');
		await writeFile(list, concatList(camera.segments, VIDEO_OVERLAP_GUARD_MS));
		inputs.push('-itsoffset', seconds(camera.segments[0]!.startMs), '-f', 'concat', '-safe', '0', '-i', list);
		videoInput = index++;
	}
	const labels: string[] = [];
	const filters: string[] = [];
	for (const [n, mic] of mics.entries()) {
		const list = path.join(work, `mic-${n}.ffconcat`);
		await writeFile(list, concatList(mic.segments));
		inputs.push('-itsoffset', seconds(mic.segments[0]!.startMs), '-f', 'concat', '-safe', '0', '-i', list);
		// Silence before the first packet and in every gap over 5 ms (DTX, a restart), from the
		// timestamps. Fills and trims only: ffmpeg 5.1's soft compensation (async > 1) can emit a
		// frame stamped 0 after a tiny gap, which sends amix and the encoder back in time.
		filters.push(`[${index}:a]aresample=async=1:min_hard_comp=0.005:first_pts=0,aformat=sample_rates=48000:channel_layouts=mono[m${n}]`);
		labels.push(`[m${n}]`);
		index++;
	}
	const args = [...inputs];
	if (mics.length > 0) {
		const mix = mics.length > 1 ? `amix=inputs=${mics.length}:duration=longest:normalize=0:dropout_transition=0,` : '';
		args.push('-filter_complex', [...filters, `${labels.join('')}${mix}apad=whole_dur=${seconds(durationMs)}[aout]`].join(';'));
	}
	if (videoInput >= 0) args.push('-map', `${videoInput}:v`, '-c:v', 'copy');
	if (mics.length > 0) args.push('-map', '[aout]', '-c:a', 'libopus', '-b:a', audioBitrate, '-application', 'voip');
	args.push('-t', seconds(durationMs));
	return args;
}

function gapsOf(tracks: PlacedTrack[], serverRestarts: number[]): PlacedGap[] {
	const gaps: PlacedGap[] = tracks.flatMap((t) => t.gaps);
	for (const atMs of serverRestarts) gaps.push({ atMs: Math.round(atMs), durationMs: 0, reason: 'server_restart' });
	return gaps.sort((a, b) => a.atMs - b.atMs);
}

function uniqueVoices(mics: PlacedTrack[]): FinalMedia['voices'] {
	const seen = new Map<string, FinalMedia['voices'][number]>();
	for (const { track } of mics) {
		if (!seen.has(track.participantId)) seen.set(track.participantId, { participantId: track.participantId, role: track.role, classroomId: track.classroomId });
	}
	return [...seen.values()];
}
