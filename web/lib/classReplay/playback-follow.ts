import { playbackPosition, type PlaybackState } from '$protocol';
import type { ReplayClock } from '../recording/replay/replay-clock.svelte.ts';

/** How far the local player may drift from the server's playback before it is put back. */
export const DRIFT_MS = 1200;

/**
 * Puts a local player where the server's shared playback is now (`offsetMs`: server clock minus
 * ours): seeks when it drifted, and plays or pauses to match.
 */
export function followPlayback(clock: ReplayClock, state: PlaybackState, offsetMs: number): void {
	const target = playbackPosition(state, Date.now() + offsetMs, clock.durationMs);
	if (Math.abs(clock.timeMs - target) > DRIFT_MS || state.status !== 'playing') {
		if (Math.abs(clock.timeMs - target) > 40) clock.seek(target);
	}
	if (state.status === 'playing' && !clock.playing) void clock.play();
	if (state.status !== 'playing' && clock.playing) clock.pause();
}
