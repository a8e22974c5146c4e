import { z } from 'zod';

export type TrackSource = 'mic' | 'camera' | 'screen';

/** Who and what a recorded producer is (the caller knows; the engine only files it). */
export interface RecordedTrack {
	producerId: string;
	kind: 'audio' | 'video';
	source: TrackSource;
	participantId: string;
	role: string;
	classroomId: string | null;
}

export interface PartRecorderOptions {
	/** This part's raw folder (media/raw/part-<n>); created by the recorder. */
	dir: string;
	index: number;
	/** Segment length in seconds (default 4): a crash loses about this much at most. */
	segmentSeconds?: number;
	/** Below this free space on `dir`'s filesystem the recorder emits 'diskLow' (default 200 MiB). */
	minFreeBytes?: number;
	ffmpegPath?: string;
	listenIp?: string;
}

/**
 * A (server time, RTP timestamp) pair seen by mediasoup as it sent a packet to ffmpeg. ffmpeg's
 * output timestamps are the RTP timestamps minus the first packet's, so these pairs place every
 * recorded sample on server time.
 */
export const AnchorSchema = z.object({ at: z.number(), rtpTimestamp: z.number().int().min(0) });
export type Anchor = z.infer<typeof AnchorSchema>;

/** One finished segment file of a run: start and end in the run's own timestamps (seconds). */
export const SegmentSchema = z.object({
	file: z.string().regex(/^seg-\d{5}\.webm$/),
	startSec: z.number().min(0),
	endSec: z.number().min(0)
});
export type Segment = z.infer<typeof SegmentSchema>;

/** One ffmpeg process's life for one track. A restart after a crash begins a new run. */
export const RunSummarySchema = z.object({
	index: z.number().int().min(0),
	/** Relative to the part folder. */
	folder: z.string().regex(/^[A-Za-z0-9_-]+\/run-\d{3}$/),
	spawnedAt: z.number(),
	/** The ffmpeg process, so a server that restarts can end one its predecessor left running. */
	pid: z.number().int().nullable(),
	/** Server time of the first packet mediasoup sent to this run (its timestamp 0); null if none came. */
	firstPacketAt: z.number().nullable(),
	/** RTP timestamp of that first packet. */
	baseRtpTimestamp: z.number().int().min(0).nullable(),
	anchors: z.array(AnchorSchema),
	/** How the run ended: null while it runs. */
	endedBy: z.enum(['stop', 'removed', 'crash', 'server']).nullable(),
	endedAt: z.number().nullable(),
	/** Filled when the part is stopped or recovered. */
	segments: z.array(SegmentSchema)
});
export type RunSummary = z.infer<typeof RunSummarySchema>;

export const TrackSummarySchema = z.object({
	producerId: z.string().min(1).max(100),
	kind: z.enum(['audio', 'video']),
	source: z.enum(['mic', 'camera', 'screen']),
	participantId: z.string(),
	role: z.string(),
	classroomId: z.string().nullable(),
	clockRate: z.number().int().positive(),
	runs: z.array(RunSummarySchema)
});
export type TrackSummary = z.infer<typeof TrackSummarySchema>;

/** A part as finalise needs it; also the content of the part's part.json (kept up to date live). */
export const PartSummarySchema = z.object({
	index: z.number().int().min(0),
	startedAt: z.number(),
	/** Server time the part stopped (for a recovered part: the end of its last segment). */
	stoppedAt: z.number(),
	dir: z.string(),
	/** Rebuilt by recoverPart after the server stopped without closing the part. */
	recovered: z.boolean(),
	segmentSeconds: z.number().positive(),
	tracks: z.array(TrackSummarySchema)
});
export type PartSummary = z.infer<typeof PartSummarySchema>;

/** part.json while the part is live: stoppedAt is null until stop(). */
export const PartFileSchema = PartSummarySchema.extend({ stoppedAt: z.number().nullable() });
export type PartFile = z.infer<typeof PartFileSchema>;

export interface TrackFault {
	producerId: string;
	/** Server time the ffmpeg process died. */
	at: number;
	/** Media missing from the track: from the last sample written before the crash to the first after. */
	gapMs: number;
	message: string;
}

export interface PartRecorderEvents {
	/** An ffmpeg process died and was restarted (emitted once the restarted one has its first packet). */
	fault: [TrackFault];
	/** Free space fell below minFreeBytes (emitted once until it rises above again). */
	diskLow: [{ freeBytes: number }];
	/** A track's ffmpeg kept dying (5 times in 30 s): the track is no longer recorded. */
	trackFailed: [{ producerId: string; message: string }];
}

export interface RecorderTrackStats {
	producerId: string;
	kind: 'audio' | 'video';
	source: TrackSource;
	pid: number | null;
	runs: number;
	packetsSeen: boolean;
}
