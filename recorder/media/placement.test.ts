import { describe, expect, it } from 'vitest';
import { concatList, placeParts } from './placement.ts';
import { runClock } from './runClock.ts';
import type { PartSummary, RunSummary, TrackSummary } from './types.ts';

const run = (over: Partial<RunSummary>): RunSummary => ({
	index: 0, folder: 'tr-a/run-000', spawnedAt: 0, pid: null, firstPacketAt: 1000, baseRtpTimestamp: 0, anchors: [], endedBy: 'stop', endedAt: null, segments: [], ...over
});
const track = (runs: RunSummary[], over: Partial<TrackSummary> = {}): TrackSummary => ({
	producerId: 'p1', kind: 'audio', source: 'mic', participantId: 't', role: 'teacher', classroomId: null, clockRate: 48000, runs, ...over
});
const part = (over: Partial<PartSummary>): PartSummary => ({ index: 0, startedAt: 0, stoppedAt: 10_000, dir: '/p0', recovered: false, segmentSeconds: 4, tracks: [], ...over });

describe('runClock', () => {
	it('maps run seconds to server time from the first packet', () => {
		const clock = runClock(run({ firstPacketAt: 5000, baseRtpTimestamp: 100 }), 48000)!;
		expect(clock(0)).toBe(5000);
		expect(clock(2.5)).toBe(7500);
		expect(runClock(run({ firstPacketAt: null }), 48000)).toBeNull();
	});

	it('sits on the lower envelope of late anchors, and unwraps RTP timestamps', () => {
		const base = 2 ** 32 - 48000; // wraps one second in
		const anchors = [
			{ at: 11_040, rtpTimestamp: (base + 48000 * 10) % 2 ** 32 }, // 40 ms late
			{ at: 21_000, rtpTimestamp: (base + 48000 * 20) % 2 ** 32 }
		];
		const clock = runClock(run({ firstPacketAt: 1010, baseRtpTimestamp: base, anchors }), 48000)!;
		expect(clock(0)).toBeCloseTo(1000, 6);
		expect(clock(20)).toBeCloseTo(21_000, 6);
	});

	it('follows a sender clock that runs 100 ppm fast over a long run', () => {
		// The sender's clock runs fast: 1800 of its seconds pass in 1799.82 server seconds.
		const anchors = Array.from({ length: 181 }, (_, i) => ({ at: 1000 + i * 10_000 * (1 - 1e-4) + (i % 3) * 7, rtpTimestamp: i * 480_000 }));
		const clock = runClock(run({ firstPacketAt: 1000, baseRtpTimestamp: 0, anchors }), 48000)!;
		expect(Math.abs(clock(1800) - (1000 + 1_800_000 * (1 - 1e-4)))).toBeLessThan(10);
	});
});

describe('placeParts and concatList', () => {
	it('puts part 1 after part 0, a late track at its first packet, and keeps a restart gap', () => {
		const p0 = part({
			startedAt: 100_000,
			stoppedAt: 110_000,
			dir: '/p0',
			tracks: [
				track([
					run({ firstPacketAt: 101_000, endedBy: 'crash', segments: [{ file: 'seg-00000.webm', startSec: 0, endSec: 4 }] }),
					run({ index: 1, folder: 'tr-a/run-001', firstPacketAt: 106_500, segments: [{ file: 'seg-00000.webm', startSec: 0, endSec: 4 }] })
				])
			]
		});
		const p1 = part({ index: 1, startedAt: 200_000, stoppedAt: 203_000, dir: '/p1', tracks: [track([run({ firstPacketAt: 200_000, segments: [{ file: 'seg-00000.webm', startSec: 0, endSec: 5 }] })])] });
		const placed = placeParts([p1, p0]);
		expect(placed.durationMs).toBe(13_000);
		const [mic] = placed.tracks;
		expect(mic!.segments.map((s) => [s.startMs, s.endMs])).toEqual([[1000, 5000], [6500, 10_000], [10_000, 13_000]]);
		expect(mic!.gaps).toEqual([{ atMs: 5000, durationMs: 1500, reason: 'ffmpeg_restart' }]);
		expect(mic!.segments[2]!.file).toBe('/p1/tr-a/run-000/seg-00000.webm');

		const list = concatList(mic!.segments).split('\n');
		expect(list[0]).toBe('ffconcat version 1.0');
		// The crashed run's segment lasts until the next run starts (the gap), cut at its content.
		expect(list.slice(1, 4)).toEqual(["file '/p0/tr-a/run-000/seg-00000.webm'", 'duration 5.500000', 'outpoint 4.000000']);
		// Clipped at the part's end.
		expect(list.slice(4, 7)).toEqual(["file '/p0/tr-a/run-001/seg-00000.webm'", 'duration 3.500000', 'outpoint 3.500000']);
	});

	it('marks the end of a recovered part as a server restart', () => {
		expect(placeParts([part({ recovered: true })]).serverRestarts).toEqual([10_000]);
	});
});
