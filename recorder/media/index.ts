/**
 * The recorder's media engine: PlainTransport consumers into ffmpeg (codecs copied, short WebM
 * segments), crash recovery, and finalising into the lesson package's media files.
 */
export { PartRecorder } from './PartRecorder.ts';
export { recoverPart } from './recoverPart.ts';
export { finaliseMedia, type FinaliseOptions } from './finaliseMedia.ts';
export { RecorderError, type RecorderErrorReason } from './errors.ts';
export type {
	PartRecorderEvents,
	PartRecorderOptions,
	PartSummary,
	RecordedTrack,
	RecorderTrackStats,
	RunSummary,
	Segment,
	TrackFault,
	TrackSource,
	TrackSummary
} from './types.ts';
export { PartSummarySchema, TrackSummarySchema, RunSummarySchema } from './types.ts';
