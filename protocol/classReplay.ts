import { z } from 'zod';
import { IdSchema } from './common.ts';
import type { PollSpec } from './polls.ts';
import type { BoardSnapshot } from './recording.ts';
import type { SurfaceView } from './surface.ts';

/**
 * A recorded lesson taught again in class: a *replayed session* is a lesson of its own (one
 * classroom, `LessonRecord.replayOf` the recorded lesson) whose room screen plays the recorded
 * media. The server keeps the playback state; the room's assistant drives it (`replay.control`).
 * At each of the recording's polls the server pauses and opens that poll to the room's phones under
 * the recorded poll's id, so analytics can set the room's answers beside the live rooms'.
 */

/** POST /api/lessons/replays (staff): a replayed session of a ready recorded lesson for one classroom. */
export const CreateClassReplaySchema = z
	.object({
		sourceLessonId: IdSchema,
		classroomId: IdSchema,
		/** Links stay valid this long (hours). */
		linkTtlHours: z.number().int().min(1).max(24 * 90).default(24 * 7)
	})
	.strict();
export type CreateClassReplay = z.infer<typeof CreateClassReplaySchema>;

export const CLASS_REPLAYS_API = '/api/lessons/replays';

/** One poll of the recorded lesson, where the playback stops to open it. */
export interface ClassReplayPoll {
	/** The recorded poll's id; the replayed session opens it under the same id. */
	pollId: string;
	mediaMs: number;
	spec: PollSpec;
}

/** What a replayed session needs of the recorded lesson (read from its package). */
export interface ClassReplayPlan {
	sourceLessonId: string;
	title: string;
	teacherName: string;
	durationMs: number;
	/** The recorded media the room screen plays (files of the package, under media/). */
	program: { file: string; hasVideo: boolean; hasAudio: boolean } | null;
	screens: { file: string; startMs: number; durationMs: number }[];
	polls: ClassReplayPoll[];
}

/**
 * GET <CLASS_REPLAYS_API>/<replayed session>/surface, with the session's room screen or assistant
 * token as Bearer: what the recorded lesson showed on its slides and board, and when. Nothing else of
 * the recording (no chat, no names, no poll answers).
 */
export const CLASS_REPLAY_SURFACE_ROUTE = new RegExp(`^${CLASS_REPLAYS_API}/([^/]+)/surface$`);

export function classReplaySurfacePath(lessonId: string): string {
	return `${CLASS_REPLAYS_API}/${encodeURIComponent(lessonId)}/surface`;
}

/** The recorded lesson's slides and board as a package keeps them (recorder; wired in app/). */
export interface ClassReplaySurfaceSource {
	durationMs: number;
	decks: { deckId: string; pageCount: number; file: string }[];
	/** What classrooms showed from each media time on, in time order. */
	views: { mediaMs: number; view: SurfaceView }[];
	boards: BoardSnapshot[];
}

/** The route's answer: deck files as links the room device may load (media token of the recording). */
export interface ClassReplaySurface extends Omit<ClassReplaySurfaceSource, 'decks'> {
	sourceLessonId: string;
	decks: { deckId: string; pageCount: number; src: string }[];
}

/** Rewind and skip steps the assistant's tablet offers. */
export const REPLAY_SKIP_MS = 10_000;

export const ReplayControlSchema = z.discriminatedUnion('action', [
	/** Plays from where it is; with a poll waiting, closes that poll first (the assistant continues). */
	z.object({ action: z.literal('play') }).strict(),
	z.object({ action: z.literal('pause') }).strict(),
	z.object({ action: z.literal('seek'), positionMs: z.number().int().min(0).max(24 * 3_600_000) }).strict()
]);
export type ReplayControl = z.infer<typeof ReplayControlSchema>;

export type PlaybackStatus = 'paused' | 'playing' | 'ended';

/** The shared playback every screen of a replayed session follows. */
export interface PlaybackState {
	status: PlaybackStatus;
	/** Media time at `at` (server clock); while playing it advances with the clock. */
	positionMs: number;
	at: number;
	/** Why it last changed. */
	reason: 'start' | 'assistant' | 'poll' | 'end';
	/** The recorded poll the playback stopped for, until the assistant continues. */
	waitingPollId: string | null;
}

/** Snapshot `replay` (absent in live lessons). Media details only for the room screen and the assistant. */
export interface ClassReplayInfo {
	sourceLessonId: string;
	durationMs: number;
	playback: PlaybackState;
	/** The recorded polls on the timeline, and whether this session opened each already. */
	polls: { pollId: string; mediaMs: number; question: string; opened: boolean }[];
	media: {
		program: { src: string; hasVideo: boolean; hasAudio: boolean } | null;
		screens: { src: string; startMs: number; durationMs: number }[];
	} | null;
}

/** Where the playback is at server time `now`. */
export function playbackPosition(state: PlaybackState, now: number, durationMs: number): number {
	if (state.status !== 'playing') return state.positionMs;
	return Math.min(durationMs, state.positionMs + Math.max(0, now - state.at));
}
