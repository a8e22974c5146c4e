import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { SEGMENT_LIST } from './FfmpegCapture.ts';
import { packetSpan } from './probe.ts';
import type { Segment } from './types.ts';

const SEGMENT_FILE = /^seg-\d{5}\.webm$/;

/** segments.csv as ffmpeg's segment muxer writes it: `file,start,end` per finished segment. */
async function readSegmentList(dir: string): Promise<Map<string, { startSec: number; endSec: number }>> {
	const listed = new Map<string, { startSec: number; endSec: number }>();
	const text = await readFile(path.join(dir, SEGMENT_LIST), 'utf8').catch(() => '');
	for (const line of text.split('\n')) {
		const [file, start, end] = line.trim().split(',');
		const startSec = Number(start);
		const endSec = Number(end);
		if (file && SEGMENT_FILE.test(file) && Number.isFinite(startSec) && Number.isFinite(endSec) && endSec >= startSec) {
			listed.set(file, { startSec, endSec });
		}
	}
	return listed;
}

/**
 * The segments of one run as they are on disk: the listed ones from the CSV, and any segment the
 * list does not have yet (the one being written when ffmpeg was killed) measured with ffprobe.
 * Empty or unreadable files are left out.
 */
export async function readRunSegments(dir: string, ffprobePath: string): Promise<Segment[]> {
	const listed = await readSegmentList(dir);
	const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => SEGMENT_FILE.test(f)).sort();
	const segments: Segment[] = [];
	for (const file of files) {
		const known = listed.get(file);
		if (known) {
			segments.push({ file, ...known });
			continue;
		}
		const size = await stat(path.join(dir, file)).then((s) => s.size, () => 0);
		if (size === 0) continue;
		const span = await packetSpan(ffprobePath, path.join(dir, file));
		if (span && span.endSec > span.startSec) segments.push({ file, startSec: span.startSec, endSec: span.endSec });
	}
	// Keep them in time order without overlap (a listed end can exceed the next start by a frame).
	segments.sort((a, b) => a.startSec - b.startSec);
	for (let i = 0; i + 1 < segments.length; i++) {
		const current = segments[i]!;
		const next = segments[i + 1]!;
		if (current.endSec > next.startSec) current.endSec = Math.max(current.startSec, next.startSec);
	}
	return segments;
}
