import type { RecordingPart } from '../protocol/index.ts';

/** Media length of closed parts: each part's wall time, gaps included. */
export function partsDurationMs(parts: RecordingPart[]): number {
	return parts.reduce((sum, p) => sum + (p.stoppedAt === null ? 0 : Math.max(0, p.stoppedAt - p.startedAt)), 0);
}

/** Where server time `at` falls on the media timeline of a part (never before the part's start). */
export function mediaTimeIn(part: RecordingPart, at: number): number {
	return part.mediaStartMs + Math.max(0, at - part.startedAt);
}
