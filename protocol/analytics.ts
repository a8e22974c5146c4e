import { z } from 'zod';
import { IdSchema, LocaleKindSchema } from './common.ts';

/**
 * Analytics HTTP contract: the staff dashboards, exports, API tokens and purge (/api/analytics/*),
 * and the district data hub's read-only API (/api/data/v1/*). The server validates every query
 * with the schemas below; the web pages import the response types.
 *
 * Errors everywhere: `{ error: { code, message } }` with 400 invalid, 401 unauthorized,
 * 403 forbidden (a named export without the staff confirmation), 404 not_found.
 *
 * Staff endpoints: `Authorization: Bearer <admin token>` (the admin link's token = staff).
 *   GET    /api/analytics/lessons                  ?from&to&classroomId          → AnalyticsLessonList (newest first, at most 1000)
 *   GET    /api/analytics/lessons/:lessonId        ?classroomId                  → LessonDashboard
 *   GET    /api/analytics/trends                   ?scope&id&from&to&classroomId → Trends
 *   GET    /api/analytics/compare                  ?from&to&classroomId          → UrbanRuralComparison
 *   GET    /api/analytics/warnings                 ?lessons&drop&from&to&classroomId → EarlyWarnings
 *   GET    /api/analytics/export                   ?format&table&lessonId&from&to&classroomId&names&confirm
 *          → a file (text/csv, application/vnd.apache.parquet, application/json for xapi) with
 *            content-disposition: attachment. names=true needs confirm=<the literal CONFIRM_NAMED_EXPORT>
 *            or the answer is 403; a named export writes an audit record and a log line.
 *   GET    /api/analytics/audit                                                  → AuditList
 *   GET    /api/analytics/tokens                                                 → ApiTokenList
 *   POST   /api/analytics/tokens                   body CreateApiTokenSchema     → CreatedApiToken (201; the token is shown once)
 *   DELETE /api/analytics/tokens/:id                                             → ApiTokenInfo (revoked)
 *   POST   /api/analytics/purge                    body PurgeSchema              → PurgeResult (confirm: true required)
 *
 * Data hub endpoints: `Authorization: Bearer <api token>` (from POST /api/analytics/tokens). Missing,
 * wrong or revoked token → 401. Always pseudonymous. Paginated: `?limit` (1..1000, default 100) and
 * `?cursor` (opaque, from the previous page's `nextCursor`); `next` is the full next link or null.
 *   GET    /api/data/v1/lessons                    ?from&to&classroomId&limit&cursor → DataPage<DataLesson>
 *   GET    /api/data/v1/classrooms                 ?limit&cursor                     → DataPage<DataClassroom>
 *   GET    /api/data/v1/events                     ?lessonId&type&from&to&classroomId&limit&cursor → DataPage<DataEvent>
 *   GET    /api/data/v1/summaries                  ?lessonId&from&to&classroomId&limit&cursor → DataPage<RoomLessonSummary>
 *
 * Dates (`from`, `to`): ISO 8601 dates or date-times (`2026-03-01`, `2026-03-01T08:00:00Z`); `to`
 * as a bare date includes that whole day (UTC).
 *
 * Changes:
 * - `from`/`to` refuse impossible calendar dates (2026-02-30) instead of rolling them over.
 * - The early-warning window is each room's last N lessons; a student's missed lesson with polls
 *   counts as participation 0 (the shapes are unchanged).
 */

export const ANALYTICS_API = '/api/analytics';
export const DATA_API = '/api/data/v1';
/** The value `confirm` must carry for an export with names. */
export const CONFIRM_NAMED_EXPORT = 'export-with-names';

const DATE_RE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** An ISO 8601 date or date-time, as ms since the epoch (a bare `to` date is the end of that day). */
function dateParam(endOfDay: boolean) {
	return z
		.string()
		.regex(DATE_RE, 'dates are ISO 8601, e.g. 2026-03-01 or 2026-03-01T08:00:00Z')
		.transform((text, ctx) => {
			const bare = text.length === 10;
			const ms = Date.parse(bare ? `${text}T00:00:00Z` : text);
			// Date.parse rolls 2026-02-30 over to March: the calendar date must survive the round trip.
			const [y, m, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
			const day = new Date(Date.UTC(y, m - 1, d));
			if (Number.isNaN(ms) || day.getUTCFullYear() !== y || day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d) {
				ctx.addIssue({ code: 'custom', message: `"${text}" is not a real date` });
				return z.NEVER;
			}
			return bare && endOfDay ? ms + 86_400_000 - 1 : ms;
		});
}

/** Date and classroom filters shared by every query. */
export const AnalyticsFilterSchema = z
	.object({
		from: dateParam(false).optional(),
		to: dateParam(true).optional(),
		/** One or more classroom ids, comma-separated. */
		classroomId: z
			.string()
			.transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
			.pipe(z.array(IdSchema).min(1).max(200))
			.optional()
	})
	.refine((f) => f.from === undefined || f.to === undefined || f.from <= f.to, { message: '`from` must not be after `to`', path: ['from'] });
export type AnalyticsFilter = z.output<typeof AnalyticsFilterSchema>;

export const TrendScopeSchema = z.enum(['student', 'classroom', 'school']);
export type TrendScope = z.infer<typeof TrendScopeSchema>;

export const TrendsQuerySchema = z.intersection(
	AnalyticsFilterSchema,
	z.object({
		scope: TrendScopeSchema.default('classroom'),
		/** One student / classroom / school; all of the scope when absent (at most 200 series). */
		id: IdSchema.optional()
	})
);
export type TrendsQuery = z.output<typeof TrendsQuerySchema>;

export const WarningsQuerySchema = z.intersection(
	AnalyticsFilterSchema,
	z.object({
		/** Look at each subject's last N lessons (the drop is the first half's mean minus the second half's). */
		lessons: z.coerce.number().int().min(2).max(50).default(6),
		/** How much participation or accuracy (0..1) must have fallen to warn. */
		drop: z.coerce.number().min(0.01).max(1).default(0.2)
	})
);
export type WarningsQuery = z.output<typeof WarningsQuerySchema>;

export const ExportFormatSchema = z.enum(['csv', 'parquet', 'xapi']);
export type ExportFormat = z.infer<typeof ExportFormatSchema>;
/** events: every stored event; summaries: one row per lesson and classroom; students: one row per lesson and student. */
export const ExportTableSchema = z.enum(['events', 'summaries', 'students']);
export type ExportTable = z.infer<typeof ExportTableSchema>;

export const ExportQuerySchema = z.intersection(
	AnalyticsFilterSchema,
	z.object({
		format: ExportFormatSchema,
		/** Ignored for xapi (statements are built from events). */
		table: ExportTableSchema.default('events'),
		lessonId: IdSchema.optional(),
		names: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
		confirm: z.string().max(64).optional()
	})
);
export type ExportQuery = z.output<typeof ExportQuerySchema>;

export const CreateApiTokenSchema = z.object({ name: z.string().trim().min(1).max(80) }).strict();
export type CreateApiToken = z.infer<typeof CreateApiTokenSchema>;

export const PurgeSchema = z
	.object({
		/** Remove whole lessons whose last event is older than this many days. */
		olderThanDays: z.number().int().min(1).max(36_500),
		/** Must be true: the UI asks the person first. */
		confirm: z.literal(true, { error: 'purging needs confirm: true' })
	})
	.strict();
export type Purge = z.infer<typeof PurgeSchema>;

export const DataPageQuerySchema = z.object({
	limit: z.coerce.number().int().min(1).max(1000).default(100),
	cursor: z.string().max(200).optional()
});

export const DataEventsQuerySchema = z.intersection(
	z.intersection(AnalyticsFilterSchema, DataPageQuerySchema),
	z.object({ lessonId: IdSchema.optional(), type: z.string().regex(/^[a-zA-Z.]{1,40}$/, 'an event type such as poll.answered').optional() })
);
export type DataEventsQuery = z.output<typeof DataEventsQuerySchema>;
export const DataLessonsQuerySchema = z.intersection(AnalyticsFilterSchema, DataPageQuerySchema);
export const DataSummariesQuerySchema = z.intersection(DataLessonsQuerySchema, z.object({ lessonId: IdSchema.optional() }));

// ---------------------------------------------------------------- responses

export interface AnalyticsClassroom {
	classroomId: string;
	name: string;
	schoolId: string | null;
	schoolName: string | null;
	locale: 'urban' | 'rural' | null;
}

export interface AnalyticsLessonListItem {
	lessonId: string;
	title: string;
	teacherName: string;
	/** First and last stored event (ms). */
	startedAt: number;
	endedAt: number;
	classrooms: AnalyticsClassroom[];
	events: number;
	/** Distinct students who joined (in the list: from the lesson's summary, so 0 until it settles). */
	students: number;
}
export interface AnalyticsLessonList {
	lessons: AnalyticsLessonListItem[];
}

/** A formula shown next to a score, so people can see how it was made. */
export interface ScoreFormula {
	/** e.g. "score = 100 × (0.35·presence + 0.25·answered + 0.2·correct + 0.1·hands + 0.1·messages) / (sum of weights that apply)" */
	text: string;
	weights: { presence: number; answered: number; correct: number; hands: number; messages: number };
	/** What each term means and its cap. */
	terms: { key: keyof ScoreFormula['weights']; description: string }[];
}

export interface DegradedRule {
	/** e.g. "a minute is degraded when any sample in it has loss > 5 %, RTT > 400 ms or score < 5" */
	text: string;
	lossFraction: number;
	rttMs: number;
	score: number;
}

export interface AttendanceRoom {
	classroomId: string;
	/** participant.joined events of this room's people (room screen, assistant, students); rejoins included. */
	joins: number;
	rejoins: number;
	leaves: number;
	/** Distinct students who joined. */
	students: number;
	/** Minutes the room screen (role classroom) was present. */
	roomMinutes: number;
	/** Sum over students of minutes present. */
	studentMinutes: number;
}
export interface PresencePoint {
	/** Start of the minute (ms). */
	minute: number;
	classroomId: string;
	/** Students present at any time in that minute. */
	students: number;
	/** Whether the room screen was present in that minute. */
	room: boolean;
}

export interface TalkTime {
	teacherMs: number;
	rooms: { classroomId: string; ms: number; segments: number }[];
	/** Everyone else with no classroom (observers etc.). */
	otherMs: number;
}

export interface RoomCounts {
	classroomId: string;
	hands: number;
	/** Distinct students who raised a hand. */
	handRaisers: number;
	chat: number;
	questions: number;
}

export interface PollRoomResult {
	classroomId: string;
	/** Students of this room present in the lesson (the denominator of participation); null for anonymous polls' room counts. */
	eligible: number;
	/** Answers received (distinct students; for anonymous polls, answer events). */
	answered: number;
	/** answered / eligible, 0..1 (null when no eligible students). */
	participation: number | null;
	/** Quiz polls that are not anonymous: final answers that were right. Null otherwise. */
	correct: number | null;
	/** correct / answered (null when not a named quiz or nobody answered). */
	accuracy: number | null;
	/** A show-of-hands tally entered for the room, if any. */
	tallyTotal: number | null;
	/** Anonymous polls: the room had too few answers to show on its own (answered 0, participation null). */
	withheld: boolean;
}
export interface PollResult {
	pollId: string;
	question: string;
	kind: 'single' | 'multiple' | 'truefalse' | 'numeric' | 'text';
	quiz: boolean;
	anonymous: boolean;
	openedAt: number;
	rooms: PollRoomResult[];
	/** All rooms together. */
	answered: number;
	correct: number | null;
	accuracy: number | null;
}

export interface NetworkRoom {
	classroomId: string;
	samples: number;
	sampledMinutes: number;
	degradedMinutes: number;
	/** degradedMinutes / sampledMinutes (null when nothing was sampled). */
	degradedShare: number | null;
	meanLoss: number | null;
	meanRttMs: number | null;
}

export interface StudentActivity {
	studentId: string;
	/** Only in named views (never in the pseudonymous data API); the class-list name. */
	name: string | null;
	classroomId: string;
	minutesPresent: number;
	pollsAnswered: number;
	/** Named (not anonymous) polls opened while the lesson ran. */
	pollsOpen: number;
	quizCorrect: number;
	/** Named quiz polls opened. */
	quizOpen: number;
	hands: number;
	chat: number;
	questions: number;
	/** 0..100, see `formula`. */
	score: number;
}
export interface RoomActivity {
	classroomId: string;
	/** Mean of its students' scores (null with no students). */
	score: number | null;
	students: number;
}

export interface LessonDashboard {
	lesson: AnalyticsLessonListItem & { minutes: number };
	attendance: { rooms: AttendanceRoom[]; series: PresencePoint[] };
	talk: TalkTime;
	interaction: RoomCounts[];
	polls: PollResult[];
	network: { rule: DegradedRule; rooms: NetworkRoom[] };
	activity: { formula: ScoreFormula; students: StudentActivity[]; rooms: RoomActivity[] };
	/** A replayed session: the recorded lesson it played in class. */
	replayOf?: { lessonId: string; title: string } | null;
	/** Rooms that took this lesson replayed in class, each with its answers to this lesson's polls. */
	replays?: ReplayedRun[];
}

/** One replayed session of a lesson: its room's participation and accuracy per recorded poll. */
export interface ReplayedRun {
	lessonId: string;
	startedAt: number;
	classroom: AnalyticsClassroom;
	/** By the recorded poll's id; polls the session never reached are absent. */
	polls: (PollRoomResult & { pollId: string })[];
}

/** One lesson's figures for one subject (student, classroom or school). */
export interface TrendPoint {
	lessonId: string;
	startedAt: number;
	/** Share of named polls answered (0..1), null when the lesson had none. */
	participation: number | null;
	/** Share of named quiz answers right (0..1), null when none were answered. */
	accuracy: number | null;
	/** Activity score 0..100 (mean over students for rooms and schools). */
	score: number | null;
	minutesPresent: number;
	hands: number;
	messages: number;
}
export interface TrendSeries {
	scope: TrendScope;
	id: string;
	label: string;
	classroomId: string | null;
	schoolId: string | null;
	locale: 'urban' | 'rural' | null;
	points: TrendPoint[];
}
export interface Trends {
	scope: TrendScope;
	series: TrendSeries[];
}

/** Urban vs rural rooms on the lessons both took part in. */
export interface UrbanRuralComparison {
	lessons: {
		lessonId: string;
		title: string;
		startedAt: number;
		urban: ComparisonFigures;
		rural: ComparisonFigures;
	}[];
	/** Means over those lessons. */
	urban: ComparisonFigures;
	rural: ComparisonFigures;
}
export interface ComparisonFigures {
	rooms: number;
	participation: number | null;
	accuracy: number | null;
	score: number | null;
	handsPerStudent: number | null;
	messagesPerStudent: number | null;
	degradedShare: number | null;
}

export interface EarlyWarning {
	kind: 'student' | 'classroom';
	id: string;
	label: string;
	classroomId: string;
	metric: 'participation' | 'accuracy';
	/** Mean of the earlier half of the window minus the later half (positive = fell). */
	drop: number;
	before: number;
	after: number;
	/** The per-lesson values, oldest first. */
	evidence: { lessonId: string; startedAt: number; value: number }[];
}
export interface EarlyWarnings {
	lessons: number;
	drop: number;
	rule: string;
	warnings: EarlyWarning[];
}

export interface AuditRecord {
	at: number;
	action: 'export.named' | 'purge' | 'token.created' | 'token.revoked';
	detail: string;
}
export interface AuditList {
	records: AuditRecord[];
}

export interface ApiTokenInfo {
	id: string;
	name: string;
	createdAt: number;
	revokedAt: number | null;
	lastUsedAt: number | null;
}
export interface ApiTokenList {
	tokens: ApiTokenInfo[];
}
export interface CreatedApiToken {
	info: ApiTokenInfo;
	/** Shown once; only a hash is kept. */
	token: string;
}

export interface PurgeResult {
	olderThanDays: number;
	/** Everything whose lesson's last event is before this (ms). */
	before: number;
	removedEvents: number;
	removedLessons: number;
}

export interface DataPage<T> {
	items: T[];
	nextCursor: string | null;
	/** The next page's full path and query, or null on the last page. */
	next: string | null;
}
export interface DataLesson {
	lessonId: string;
	title: string;
	startedAt: number;
	endedAt: number;
	classroomIds: string[];
	events: number;
}
export interface DataClassroom {
	classroomId: string;
	name: string;
	schoolId: string | null;
	schoolName: string | null;
	locale: z.infer<typeof LocaleKindSchema> | null;
}
/** A stored event as the data hub sees it: actors pseudonymised, names removed. */
export interface DataEvent {
	id: string;
	lessonId: string;
	at: number;
	type: string;
	/** Pseudonym (`p_…`), 'system' or 'anonymous'. */
	actor: string;
	role: string;
	classroomId: string | null;
	data: Record<string, unknown>;
}
/** One lesson and classroom. */
export interface RoomLessonSummary {
	lessonId: string;
	classroomId: string;
	startedAt: number;
	students: number;
	studentMinutes: number;
	roomMinutes: number;
	joins: number;
	leaves: number;
	hands: number;
	chat: number;
	questions: number;
	talkMs: number;
	pollsAnswered: number;
	participation: number | null;
	accuracy: number | null;
	degradedShare: number | null;
	score: number | null;
}
