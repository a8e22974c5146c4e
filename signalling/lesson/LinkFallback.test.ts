import { describe, expect, it } from 'vitest';
import { LinkFallback, LOSSY_FOR_MS, MAX_RECOVER_AFTER_MS, MIN_VIDEO_BPS, PROBE_FACTOR, RECOVER_AFTER_MS, type LinkReading } from './LinkFallback.ts';

const good: LinkReading = { availableBitrate: 2_000_000, lossFraction: 0, hasVideo: true, videoStarved: false };
const poor: LinkReading = { availableBitrate: MIN_VIDEO_BPS / 2, lossFraction: 0.12, hasVideo: true, videoStarved: false };
const rural: LinkReading = { availableBitrate: 700_000, lossFraction: 0.05, hasVideo: true, videoStarved: false };
/** On audio the room receives no video. */
const audio = (lossFraction: number): LinkReading => ({ availableBitrate: 60_000, lossFraction, hasVideo: false, videoStarved: false });

/** Feeds samples every 2 s from `start`; returns the time after the last and every change seen. */
function feed(f: LinkFallback, readings: LinkReading[], start: number): { now: number; changes: [number, string][] } {
	const changes: [number, string][] = [];
	let now = start;
	for (const r of readings) {
		const mode = f.onSample(r, now);
		if (mode) changes.push([now, mode]);
		now += 2_000;
	}
	return { now, changes };
}

describe('LinkFallback: audio + slides + board when the link cannot carry video', () => {
	it('falls back after 3 weak samples of the last 4, and not on a single bad one', () => {
		const f = new LinkFallback();
		expect(feed(f, [poor, good, good, poor, good, good], 0).changes).toEqual([]);
		expect(feed(f, [poor, good, poor, poor], 20_000).changes).toEqual([[26_000, 'audio']]);
		expect(f.mode).toBe('audio');
	});

	it('is suspicious after a lossy sample too thin for video, not after heavy loss with bandwidth (a link narrowing), nor once fallen back', () => {
		const f = new LinkFallback();
		feed(f, [good, good], 0);
		expect(f.suspicious).toBe(false);
		feed(f, [poor], 4_000);
		expect(f.suspicious).toBe(true);
		feed(f, [good], 6_000);
		expect(f.suspicious).toBe(false);
		feed(f, [{ ...good, lossFraction: 0.3 }], 8_000);
		expect(f.suspicious, 'heavy loss, ample estimate').toBe(false);
		const starved = new LinkFallback();
		feed(starved, [{ ...poor, availableBitrate: 2_000_000, videoStarved: true }], 0);
		expect(starved.suspicious, 'lossy and starving the lowest layer').toBe(true);
		feed(f, [poor, poor, poor], 20_000);
		expect(f.mode).toBe('audio');
		expect(f.suspicious).toBe(false);
	});

	it('keeps video on a thin link without loss (a slow estimate on a loaded machine) and on a lossy link with room (rural)', () => {
		const f = new LinkFallback();
		const thinButClean = { ...good, availableBitrate: 80_000, videoStarved: true };
		expect(feed(f, Array(20).fill(thinButClean), 0).changes).toEqual([]);
		expect(feed(f, Array(20).fill(rural), 100_000).changes).toEqual([]);
		expect(f.mode).toBe('video');
	});

	it('falls back on heavy loss lasting LOSSY_FOR_MS whatever the bandwidth (video would only take the audio\'s packets)', () => {
		const f = new LinkFallback();
		const heavy = { ...good, lossFraction: 0.12 };
		expect(feed(f, Array(LOSSY_FOR_MS / 2_000 + 1).fill(heavy), 0).changes).toEqual([[LOSSY_FOR_MS, 'audio']]);
		// Sampled every second, it still takes LOSSY_FOR_MS.
		const often = new LinkFallback();
		const changes: [number, string][] = [];
		for (let at = 0; at <= LOSSY_FOR_MS; at += 1_000) {
			const mode = often.onSample(heavy, at);
			if (mode) changes.push([at, mode]);
		}
		expect(changes).toEqual([[LOSSY_FOR_MS, 'audio']]);
	});

	it('keeps video through a rural link narrowing and its spikes; a poor link\'s onset falls back at once (the three-room e2e\'s readings)', () => {
		const at = (lossFraction: number, availableBitrate = 600_000, videoStarved = false): LinkReading => ({ ...rural, lossFraction, availableBitrate, videoStarved });
		const rural1 = [at(0.64, 560_000), at(0.36, 320_000), at(0.07, 320_000), at(0.14, 316_000), at(0, 370_000), at(0.02), at(0.05), at(0.11), at(0.05), at(0.18), at(0.06)];
		const rural2 = [at(0.707, 1_845_000), at(0.398, 604_000), at(0.059, 322_000), at(0.051, 292_000), at(0.102, 292_000), at(0.164, 292_000), at(0, 280_000), at(0.121, 284_000), at(0, 274_000)];
		for (const readings of [rural1, rural2]) {
			const f = new LinkFallback();
			expect(feed(f, readings, 0).changes).toEqual([]);
		}
		// Tonight's runs: a rural onset, and a rural link whose estimate dips under the lowest layer with its usual loss.
		const rural3 = [at(0.52, 742_000), at(0.36, 397_000), at(0.13, 342_000), at(0.05, 322_000), at(0.36, 397_000), at(0.04, 322_000)];
		const ruralDip = [at(0.05, 146_000), at(0.06, 146_000), at(0.047, 167_000), at(0.06, 207_000), at(0.04, 199_000), at(0.05, 180_000)];
		for (const readings of [rural1, rural2, rural3, ruralDip]) {
			const f = new LinkFallback();
			expect(feed(f, readings, 0).changes).toEqual([]);
		}
		const poorOnset = [at(0.637, 2_025_000), at(0.863, 235_000), at(0.586, 235_000), at(0.426, 128_000), at(0.211, 128_000, true)];
		expect(feed(new LinkFallback(), poorOnset, 0).changes).toEqual([[6_000, 'audio']]);
		const poorThin = [at(0.18, 173_000), at(0.07, 173_000), at(0.25, 152_000)];
		expect(feed(new LinkFallback(), poorThin, 0).changes).toEqual([[4_000, 'audio']]);
	});

	it('falls back when no layer at all reaches a lossy room, whatever the estimate says', () => {
		const f = new LinkFallback();
		expect(feed(f, Array(3).fill({ ...rural, videoStarved: true }), 0).changes).toEqual([[4_000, 'audio']]);
	});

	it('comes back after a sustained clean stretch, not while the loss goes on', () => {
		const f = new LinkFallback();
		feed(f, [poor, poor, poor], 0);
		expect(feed(f, Array(30).fill(audio(0.1)), 10_000).changes).toEqual([]);
		const { changes } = feed(f, Array(10).fill(audio(0)), 100_000);
		expect(changes).toEqual([[100_000 + RECOVER_AFTER_MS, 'video']]);
	});

	it('a loss burst restarts the clean stretch', () => {
		const f = new LinkFallback();
		feed(f, [poor, poor, poor], 0);
		const readings = [audio(0), audio(0), audio(0), audio(0.2), ...Array(8).fill(audio(0))];
		expect(feed(f, readings, 10_000).changes).toEqual([[10_000 + 8_000 + RECOVER_AFTER_MS, 'video']]);
	});

	it('tries video again after a long fair stretch (a rural link after an outage)', () => {
		const f = new LinkFallback();
		feed(f, [poor, poor, poor], 0);
		const samples = (RECOVER_AFTER_MS * PROBE_FACTOR) / 2_000 + 1;
		expect(feed(f, Array(samples).fill(audio(0.05)), 10_000).changes).toEqual([[10_000 + RECOVER_AFTER_MS * PROBE_FACTOR, 'video']]);
	});

	it('waits twice as long after each relapse, up to a ceiling, and forgets relapses after a stable stretch', () => {
		const f = new LinkFallback();
		let now = feed(f, [poor, poor, poor], 0).now;
		const waits: number[] = [];
		for (let i = 0; i < 5; i++) {
			waits.push(f.recoverAfterMs);
			now = feed(f, Array(f.recoverAfterMs / 2_000 + 1).fill(audio(0)), now).now;
			expect(f.mode).toBe('video');
			now = feed(f, [poor, poor, poor], now).now;
			expect(f.mode).toBe('audio');
		}
		expect(waits).toEqual([RECOVER_AFTER_MS, RECOVER_AFTER_MS * 2, RECOVER_AFTER_MS * 4, MAX_RECOVER_AFTER_MS, MAX_RECOVER_AFTER_MS]);
		now = feed(f, Array(MAX_RECOVER_AFTER_MS / 2_000 + 1).fill(audio(0)), now).now;
		now = feed(f, Array(40).fill(good), now).now;
		feed(f, [poor, poor, poor], now);
		expect(f.mode).toBe('audio');
		expect(f.recoverAfterMs).toBe(RECOVER_AFTER_MS);
	});

	it('ignores samples without video while on video', () => {
		const f = new LinkFallback();
		expect(feed(f, Array(10).fill({ ...poor, hasVideo: false }), 0).changes).toEqual([]);
	});
});
