import path from 'node:path';
import { runClock } from './runClock.ts';
import type { PartSummary, RecordedTrack, TrackSummary } from './types.ts';

/**
 * How far a track may slide from its anchors before a segment is moved back to them. Within it,
 * segments keep their recorded spacing, so a video's frame intervals stay as recorded except where
 * a real drift is corrected (a frame held, or dropped); the audio mixer corrects at 20 ms anyway.
 */
const VIDEO_TOLERANCE_MS = 40;
const AUDIO_TOLERANCE_MS = 20;

/** A segment file placed on the lesson's media timeline (ms). */
export interface PlacedSegment {
	file: string;
	/** The segment's first timestamp in its own file (seconds): where `startMs` is. */
	fileStartSec: number;
	startMs: number;
	endMs: number;
}

export interface PlacedGap {
	atMs: number;
	durationMs: number;
	reason: 'ffmpeg_restart' | 'server_restart';
}

/** Everything one producer recorded, over every part, on the media timeline. */
export interface PlacedTrack {
	track: RecordedTrack;
	segments: PlacedSegment[];
	gaps: PlacedGap[];
}

export interface PlacedParts {
	durationMs: number;
	tracks: PlacedTrack[];
	/** Where a part recovered after a server crash ends on the media timeline. */
	serverRestarts: number[];
}

/**
 * Puts every segment on the media timeline: part k begins at the sum of the previous parts' lengths,
 * and inside a part media time is server time minus the part's start. Each run's timestamps are
 * turned into server time by its anchors (runClock), so late starts and restart gaps keep their
 * true position and length. Segments are clipped to their part.
 */
export function placeParts(parts: PartSummary[]): PlacedParts {
	const ordered = [...parts].sort((a, b) => a.index - b.index);
	const tracks = new Map<string, PlacedTrack>();
	const serverRestarts: number[] = [];
	let partStartMs = 0;
	for (const part of ordered) {
		const lengthMs = Math.max(0, part.stoppedAt - part.startedAt);
		const partEndMs = partStartMs + lengthMs;
		const toMedia = (at: number) => partStartMs + (at - part.startedAt);
		for (const track of part.tracks) {
			let placed = tracks.get(track.producerId);
			if (!placed) {
				placed = { track: recordedTrack(track), segments: [], gaps: [] };
				tracks.set(track.producerId, placed);
			}
			let crashEndMs: number | null = null;
			const tolerance = track.kind === 'video' ? VIDEO_TOLERANCE_MS : AUDIO_TOLERANCE_MS;
			for (const run of track.runs) {
				const clock = runClock(run, track.clockRate);
				if (!clock) continue;
				let firstOfRun = true;
				let previous: { startSec: number; startMs: number } | null = null;
				for (const segment of run.segments) {
					// A segment follows on from the one before (same spacing as recorded) unless the anchors
					// say it has slid by more than the tolerance: then it moves to where they put it.
					const anchoredMs = toMedia(clock(segment.startSec));
					const followingMs: number = previous ? previous.startMs + (segment.startSec - previous.startSec) * 1000 : anchoredMs;
					const placedMs: number = Math.abs(anchoredMs - followingMs) <= tolerance ? followingMs : anchoredMs;
					previous = { startSec: segment.startSec, startMs: placedMs };
					const startMs = Math.max(partStartMs, placedMs);
					const endMs = Math.min(partEndMs, placedMs + (segment.endSec - segment.startSec) * 1000);
					if (endMs <= startMs) continue;
					if (firstOfRun && crashEndMs !== null && startMs > crashEndMs) {
						placed.gaps.push({ atMs: Math.round(crashEndMs), durationMs: Math.round(startMs - crashEndMs), reason: 'ffmpeg_restart' });
					}
					firstOfRun = false;
					placed.segments.push({ file: path.join(part.dir, run.folder, segment.file), fileStartSec: segment.startSec, startMs, endMs });
				}
				const last = placed.segments.at(-1);
				crashEndMs = run.endedBy === 'crash' && last ? last.endMs : null;
			}
		}
		if (part.recovered) serverRestarts.push(partEndMs);
		partStartMs = partEndMs;
	}
	for (const placed of tracks.values()) placed.segments.sort((a, b) => a.startMs - b.startMs);
	return { durationMs: partStartMs, tracks: [...tracks.values()], serverRestarts };
}

function recordedTrack(track: TrackSummary): RecordedTrack {
	const { producerId, kind, source, participantId, role, classroomId } = track;
	return { producerId, kind, source, participantId, role, classroomId };
}

/**
 * An ffconcat list playing the segments at their placed times, the first at 0: each entry lasts
 * until the next one starts (a gap holds the last frame, or is filled with silence by the mixer),
 * and is cut where the next begins so timestamps never go backwards.
 */
export function concatList(segments: PlacedSegment[], overlapGuardMs = 0): string {
	const lines = ['ffconcat version 1.0'];
	for (let i = 0; i < segments.length; i++) {
		const segment = segments[i]!;
		const nextStartMs = segments[i + 1]?.startMs ?? segment.endMs;
		const durationMs = nextStartMs - segment.startMs;
		if (durationMs <= 0) continue;
		// Cut where the next one begins; for video a little earlier (a frame), so no frame interval
		// ends up shorter than the recorded ones.
		const overlaps = nextStartMs < segment.endMs - 0.5;
		const contentMs = overlaps ? Math.max(1, durationMs - overlapGuardMs) : segment.endMs - segment.startMs;
		lines.push(`file '${segment.file.replace(/'/g, "'\\''")}'`);
		lines.push(`duration ${(durationMs / 1000).toFixed(6)}`);
		lines.push(`outpoint ${(segment.fileStartSec + contentMs / 1000).toFixed(6)}`);
	}
	return `${lines.join('\n')}\n`;
}
