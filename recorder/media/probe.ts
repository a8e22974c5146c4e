import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export function ffprobePathFor(ffmpegPath: string): string {
	return path.join(path.dirname(ffmpegPath), 'ffprobe');
}

/** First and last-ending packet time (seconds) of a media file's first stream; null when it holds none. */
export async function packetSpan(ffprobePath: string, file: string): Promise<{ startSec: number; endSec: number } | null> {
	let stdout: string;
	try {
		({ stdout } = await run(ffprobePath, ['-v', 'quiet', '-select_streams', '0', '-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', file], { maxBuffer: 64 * 1024 * 1024 }));
	} catch (error) {
		// A file cut short by a crash: ffprobe may exit non-zero after printing what it could read.
		stdout = (error as { stdout?: string }).stdout ?? '';
	}
	let start = Infinity;
	let end = -Infinity;
	for (const line of stdout.split('\n')) {
		const [ptsText, durationText] = line.trim().split(',');
		const pts = Number(ptsText);
		if (!ptsText || !Number.isFinite(pts)) continue;
		const duration = Number(durationText);
		start = Math.min(start, pts);
		end = Math.max(end, pts + (Number.isFinite(duration) ? duration : 0));
	}
	return Number.isFinite(start) ? { startSec: start, endSec: end } : null;
}

/** Container duration and stream kinds, as ffprobe reports them. */
export async function probeMedia(ffprobePath: string, file: string): Promise<{ durationSec: number; streams: { codec_type: string; codec_name: string }[] }> {
	const { stdout } = await run(ffprobePath, ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type,codec_name', '-of', 'json', file]);
	const parsed = JSON.parse(stdout) as { format?: { duration?: string }; streams?: { codec_type: string; codec_name: string }[] };
	return { durationSec: Number(parsed.format?.duration ?? NaN), streams: parsed.streams ?? [] };
}
