import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Probe {
	durationMs: number;
	streams: ('audio' | 'video')[];
}

/** What ffprobe says of a media file: its duration and the kinds of its streams. */
export async function ffprobe(file: string): Promise<Probe> {
	const { stdout } = await run('/usr/bin/ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type', '-of', 'json', file]);
	const json = JSON.parse(stdout) as { format?: { duration?: string }; streams?: { codec_type?: string }[] };
	return {
		durationMs: Math.round(Number(json.format?.duration ?? 0) * 1000),
		streams: (json.streams ?? []).map((s) => s.codec_type).filter((k): k is 'audio' | 'video' => k === 'audio' || k === 'video')
	};
}
