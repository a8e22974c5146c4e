import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { moduleLogger } from '../../core/logger.ts';
import { readPartFile, writePartFile } from './partFile.ts';
import { ffprobePathFor } from './probe.ts';
import { runClock } from './runClock.ts';
import { readRunSegments } from './runSegments.ts';
import type { PartSummary, RunSummary } from './types.ts';

const log = moduleLogger('recorder:recover');

async function isCaptureOf(pid: number, runDir: string): Promise<boolean> {
	const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
	return cmdline.includes(runDir);
}

/** An ffmpeg the crashed server left behind still holds its segment open: let it close it. */
async function endLeftoverCapture(run: RunSummary, runDir: string): Promise<void> {
	const pid = run.pid;
	if (pid === null || !(await isCaptureOf(pid, runDir))) return;
	log.warn({ pid, runDir }, 'ending an ffmpeg left by the previous server');
	try {
		process.kill(pid, 'SIGINT');
	} catch {
		return;
	}
	for (let waited = 0; waited < 3000; waited += 50) {
		if (!(await isCaptureOf(pid, runDir))) return;
		await sleep(50);
	}
	try {
		process.kill(pid, 'SIGKILL');
	} catch {
		/* gone meanwhile */
	}
	await sleep(50);
}

/**
 * Rebuilds a part after the server stopped without closing it: part.json (kept current while
 * recording) says which tracks and runs there were and how they map to server time; the segments on
 * disk say how far each got. The part ends where its last segment ends. Null when the folder holds
 * no part or nothing was recorded. A part that was stopped properly comes back as it was.
 */
export async function recoverPart(dir: string, ffmpegPath = '/usr/bin/ffmpeg'): Promise<PartSummary | null> {
	const resolved = path.resolve(dir);
	const file = await readPartFile(resolved);
	if (!file) return null;
	const probe = ffprobePathFor(ffmpegPath);
	const recovered = file.stoppedAt === null;
	let end = file.startedAt;
	let anything = false;
	for (const track of file.tracks) {
		for (const run of track.runs) {
			const runDir = path.join(resolved, run.folder);
			if (run.endedBy === null) await endLeftoverCapture(run, runDir);
			if (recovered || run.segments.length === 0) run.segments = await readRunSegments(runDir, probe);
			if (run.endedBy === null) {
				run.endedBy = 'server';
				run.endedAt = null;
			}
			const clock = runClock(run, track.clockRate);
			const last = run.segments.at(-1);
			if (clock && last) {
				anything = true;
				end = Math.max(end, clock(last.endSec));
			}
		}
	}
	if (!anything) return null;
	const summary: PartSummary = { ...file, dir: resolved, recovered: file.recovered || recovered, stoppedAt: recovered ? Math.round(end) : file.stoppedAt! };
	await writePartFile(resolved, summary).catch((error: Error) => log.error({ err: error.message }, 'cannot rewrite part.json'));
	log.info({ dir: resolved, recovered, ms: summary.stoppedAt - summary.startedAt }, 'part recovered');
	return summary;
}
