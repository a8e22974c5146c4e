import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Decodes the whole file; resolves to ffmpeg's error output (empty when it decoded cleanly). */
export async function decodeErrors(file: string): Promise<string> {
	const { stderr } = await run('/usr/bin/ffmpeg', ['-hide_banner', '-v', 'error', '-i', file, '-f', 'null', '-'], { maxBuffer: 16 * 1024 * 1024 });
	return stderr.trim();
}

/**
 * For a recording of the 'sync' pattern (a white flash and a beep at the start of every second):
 * each flash's time minus the nearest beep's (ms). Positive: the picture is late. Beeps are looked
 * for above `highpassHz`, so other voices in the mix can be lower tones.
 */
export async function flashBeepOffsets(file: string, highpassHz = 1500): Promise<number[]> {
	const { stderr } = await run(
		'/usr/bin/ffmpeg',
		[
			'-hide_banner', '-v', 'info', '-i', file,
			'-map', '0:v', '-vf', 'signalstats,metadata=print:key=lavfi.signalstats.YAVG', '-f', 'null', '-',
			'-map', '0:a', '-af', `highpass=f=${highpassHz},highpass=f=${highpassHz},silencedetect=n=-30dB:d=0.05`, '-f', 'null', '-'
		],
		{ maxBuffer: 64 * 1024 * 1024 }
	);
	// A beep is sound lasting at least 70 ms (it lasts 100): a click in another voice is shorter.
	const beeps: number[] = [];
	const events = [...stderr.matchAll(/silence_(start|end): ([\d.]+)/g)].map((m) => ({ kind: m[1], at: Number(m[2]) * 1000 }));
	for (const [i, event] of events.entries()) {
		const next = events.slice(i + 1).find((e) => e.kind === 'start');
		if (event.kind === 'end' && (!next || next.at - event.at >= 70)) beeps.push(event.at);
	}
	const flashes: number[] = [];
	let frameTime = NaN;
	let bright = false;
	for (const line of stderr.split('\n')) {
		const frame = /pts_time:([\d.]+)/.exec(line);
		if (frame) frameTime = Number(frame[1]) * 1000;
		const yavg = /lavfi\.signalstats\.YAVG=([\d.]+)/.exec(line);
		if (yavg) {
			const now = Number(yavg[1]) > 180;
			if (now && !bright) flashes.push(frameTime);
			bright = now;
		}
	}
	const offsets: number[] = [];
	for (const flash of flashes) {
		const nearest = beeps.reduce((best, beep) => (Math.abs(beep - flash) < Math.abs(best - flash) ? beep : best), Infinity);
		if (Math.abs(nearest - flash) < 500) offsets.push(flash - nearest);
	}
	return offsets;
}
