import { z } from 'zod';
import { ClassroomEventSchema } from './events.ts';
import { IdSchema } from './common.ts';
import { SurfaceViewSchema } from './surface.ts';
import { PackageOriginSchema, type PackageOrigin } from './packages.ts';

/**
 * Recording and replay (ARCHITECTURE.md, "recorder"). A recorded lesson is a self-contained
 * *lesson package*, one folder per lesson in the data folder:
 *
 *   data/recordings/<lessonId>/
 *     manifest.json          RecordingManifest (schemaVersion, parts, media, decks, notes)
 *     timeline.jsonl         one TimelineEntry per line, appended while the lesson is recorded
 *     boards.jsonl           one BoardSnapshot per line: a board page as it was at a media time
 *     decks/<deckId>.pdf     the slide PDFs shown (copied at finalise)
 *     media/raw/part-<n>/    segments written live (removed once finalised media is verified)
 *     media/program.webm     teacher camera + the mixed audio of the teacher and every classroom
 *     media/screen-<n>.webm  each screen-share span
 *
 * Media time: part k of a recording starts at the sum of the durations of parts 0..k-1; inside
 * a part, media time = server time - part.startedAt. Gaps (an ffmpeg restart) keep their length.
 * The library (data/recordings/index.json) is only an index over these folders: rebuilt from them
 * when missing or unreadable.
 */
export const RECORDING_MANIFEST_VERSION = 1;

/** What every participant sees (snapshot `recording`): the REC indicator, and the teacher's warning. */
export interface RecordingStatus {
	state: 'off' | 'recording' | 'stopping';
	/** Server time the current part began; null when off. */
	since: number | null;
	/** The lesson records by itself once the teacher joins. */
	auto: boolean;
	/** Why recording stopped by itself: shown to the teacher until the next start. */
	warning: 'disk_low' | 'failed' | null;
}

export const RECORDING_OFF: RecordingStatus = { state: 'off', since: null, auto: false, warning: null };

export const PackageStateSchema = z.enum(['recording', 'finalising', 'ready', 'failed']);
export type PackageState = z.infer<typeof PackageStateSchema>;

export const RecordingNoteSchema = z.object({
	at: z.number(),
	kind: z.enum(['ffmpeg_restart', 'server_restart', 'disk_low', 'finalise_failed', 'track_failed']),
	/** Media time the note is about (the gap's start, for restarts). */
	mediaMs: z.number().nullable(),
	gapMs: z.number().nullable(),
	message: z.string().max(500)
});
export type RecordingNote = z.infer<typeof RecordingNoteSchema>;

export const RecordingPartSchema = z.object({
	index: z.number().int().min(0),
	startedAt: z.number(),
	/** Null while the part is being recorded (or when the server stopped before closing it). */
	stoppedAt: z.number().nullable(),
	/** Where this part begins on the media timeline. */
	mediaStartMs: z.number().min(0)
});
export type RecordingPart = z.infer<typeof RecordingPartSchema>;

const MediaFileSchema = z.object({
	/** Relative to the package's media/ folder. */
	file: z.string().regex(/^[A-Za-z0-9._-]+$/),
	bytes: z.number().int().min(0)
});

export const FinalMediaSchema = z.object({
	durationMs: z.number().min(0),
	/** Teacher camera (when there was one) with the mixed audio; null when nothing was recorded. */
	program: MediaFileSchema.extend({ hasVideo: z.boolean(), hasAudio: z.boolean() }).nullable(),
	screens: z.array(MediaFileSchema.extend({ startMs: z.number().min(0), durationMs: z.number().min(0) })),
	gaps: z.array(z.object({ atMs: z.number(), durationMs: z.number(), reason: z.enum(['ffmpeg_restart', 'server_restart']) })),
	/** Whose microphones are in the mix. */
	voices: z.array(z.object({ participantId: z.string(), role: z.string(), classroomId: IdSchema.nullable() }))
});
export type FinalMedia = z.infer<typeof FinalMediaSchema>;

export const RecordingManifestSchema = z.object({
	schemaVersion: z.literal(RECORDING_MANIFEST_VERSION),
	lessonId: IdSchema,
	title: z.string(),
	teacherName: z.string(),
	classrooms: z.array(z.object({ id: IdSchema, name: z.string() })),
	state: PackageStateSchema,
	/** 0..1 while finalising. */
	progress: z.number().min(0).max(1),
	createdAt: z.number(),
	/** The lesson's end (or the last stop when the lesson never ended); null while live. */
	endedAt: z.number().nullable(),
	durationMs: z.number().min(0),
	parts: z.array(RecordingPartSchema),
	media: FinalMediaSchema.nullable(),
	decks: z.array(z.object({ deckId: z.string(), fileName: z.string(), pageCount: z.number().int(), file: z.string() })),
	bytes: z.number().int().min(0),
	notes: z.array(RecordingNoteSchema),
	/** Set on a package imported from a file or synced from a district server. */
	origin: PackageOriginSchema.optional()
});
export type RecordingManifest = z.infer<typeof RecordingManifestSchema>;

/**
 * One line of timeline.jsonl. Events keep their ClassroomEvent form; what events leave out on purpose
 * (chat text, poll results) is kept beside them because the replay shows it. Only staff and the
 * lesson's teacher can read a package.
 */
export const TimelineEntrySchema = z.discriminatedUnion('kind', [
	z.object({ kind: z.literal('event'), mediaMs: z.number(), event: ClassroomEventSchema }),
	/** What classrooms showed when a part began (so a replay that starts there is right). */
	z.object({ kind: z.literal('surface'), mediaMs: z.number(), view: SurfaceViewSchema }),
	z.object({
		kind: z.literal('chat'),
		mediaMs: z.number(),
		messageId: z.string(),
		from: z.string(),
		role: z.string(),
		classroomId: IdSchema.nullable(),
		/** 'question': a student's question to the teacher; 'chat': the lesson chat. */
		channel: z.enum(['chat', 'question']),
		text: z.string().max(2000)
	}),
	/** A poll's results when it closed or was revealed (the PollResults the teacher saw). */
	z.object({ kind: z.literal('pollResults'), mediaMs: z.number(), pollId: z.string(), results: z.unknown() })
]);
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>;

/** One line of boards.jsonl: every record of one board page (shapes, bindings, assets) at a media time. */
export const BoardSnapshotSchema = z.object({
	mediaMs: z.number(),
	boardId: z.string().max(200),
	records: z.array(z.record(z.string(), z.unknown())).max(20_000)
});
export type BoardSnapshot = z.infer<typeof BoardSnapshotSchema>;

/** One row of the library (GET /api/library). */
export interface LibraryEntry {
	lessonId: string;
	title: string;
	teacherName: string;
	classrooms: { id: string; name: string }[];
	/** When recording first began. */
	startedAt: number;
	endedAt: number | null;
	durationMs: number;
	bytes: number;
	state: PackageState;
	progress: number;
	notes: number;
	/** Imported or synced packages: where from. */
	origin?: PackageOrigin;
}

export const LibraryQuerySchema = z
	.object({
		q: z.string().trim().max(120).optional(),
		teacher: z.string().trim().max(60).optional(),
		classroomId: IdSchema.optional(),
		from: z.coerce.number().int().min(0).optional(),
		to: z.coerce.number().int().min(0).optional()
	})
	.strict();
export type LibraryQuery = z.infer<typeof LibraryQuerySchema>;

export const LIBRARY_API = '/api/library';
export const RECORDINGS_API = '/api/recordings';

/** Why a part of the recording stopped (event `recording.stopped`). */
export type RecordingStopReason = 'teacher' | 'lesson_ended' | 'idle' | 'disk_low' | 'failed';

/**
 * GET /api/recordings/<lessonId>: the manifest in any state, and a token for the files. The token
 * goes in the query (`?m=`) of files/* and download, because <video src> cannot send headers.
 */
export interface RecordingReplay {
	manifest: RecordingManifest;
	mediaToken: string;
	mediaTokenExpiresAt: number;
	/** tldraw's licence key (TLDRAW_LICENSE_KEY) for the replay's board; null on localhost development. */
	tldrawLicenseKey: string | null;
}

/** How long a media token opens a lesson's files. */
export const MEDIA_TOKEN_TTL_MS = 4 * 3_600_000;

/** The files of a ready package the replay may fetch (files/<path>): checked before any disk access. */
export const RECORDING_FILE_PATTERN = /^(media\/program\.webm|media\/screen-[0-9]{1,4}\.webm|decks\/[A-Za-z0-9_-]{1,64}\.pdf)$/;
