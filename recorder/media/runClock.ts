import type { RunSummary } from './types.ts';

const RTP_WRAP = 2 ** 32;
/** Anchors this close (run seconds, either side) decide where a moment of the run sits. */
const WINDOW_SEC = 30;

/** Signed 32-bit difference of two RTP timestamps (wraps around). */
function rtpDelta(from: number, to: number): number {
	const d = (((to - from) % RTP_WRAP) + RTP_WRAP) % RTP_WRAP;
	return d >= RTP_WRAP / 2 ? d - RTP_WRAP : d;
}

/**
 * Maps a run's own timestamps (seconds from its first packet, which is how ffmpeg timestamps what it
 * copies from RTP) to server time (ms). The anchors pair the RTP timestamp of a packet with the
 * server time the worker sent it to ffmpeg. A packet can only ever be late (the sender or the worker
 * was busy), so a moment is placed by the earliest-looking anchor within 30 s of it: the lower
 * envelope, followed piecewise. That also follows a sender whose clock runs at its own rate (a sound
 * card 100 ppm off drifts 180 ms in 30 minutes; here it moves at most 3 ms within a window).
 */
export function runClock(run: RunSummary, clockRate: number): ((sec: number) => number) | null {
	if (run.firstPacketAt === null || run.baseRtpTimestamp === null) return null;
	// Each anchor as (run seconds, server time minus run time): that offset is what we look for.
	const points: { sec: number; offset: number }[] = [{ sec: 0, offset: run.firstPacketAt }];
	let previous = run.baseRtpTimestamp;
	let unwrapped = 0;
	for (const anchor of run.anchors) {
		unwrapped += rtpDelta(previous, anchor.rtpTimestamp);
		previous = anchor.rtpTimestamp;
		const sec = unwrapped / clockRate;
		points.push({ sec, offset: anchor.at - sec * 1000 });
	}
	return (sec: number) => {
		let nearest = Infinity;
		for (const p of points) nearest = Math.min(nearest, Math.abs(p.sec - sec));
		let offset = Infinity;
		for (const p of points) if (Math.abs(p.sec - sec) <= nearest + WINDOW_SEC) offset = Math.min(offset, p.offset);
		return sec * 1000 + offset;
	};
}
