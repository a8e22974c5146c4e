import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import {
	ANALYTICS_API,
	AnalyticsFilterSchema,
	CatalogSchema,
	ClaimPollSchema,
	ClaimRefSchema,
	ClassroomSchema,
	CreateApiTokenSchema,
	CreateClassroomSchema,
	CreateLessonSchema,
	CLASS_REPLAYS_API,
	CreateClassReplaySchema,
	CreateSchoolSchema,
	ROOM_REPLAYS_API,
	RoomLinkRequestSchema,
	StartRoomReplaySchema,
	CreateSyncTokenSchema,
	HoldingsReportSchema,
	PACKAGES_API,
	PackageExportQuerySchema,
	PackageListSchema,
	SETUP_STATUS_API,
	DATA_API,
	DECKS_API,
	ErrorBodySchema,
	HealthReportSchema,
	IdSchema,
	JOIN_API,
	JOIN_CLAIM_API,
	JOIN_CLAIM_CANCEL_API,
	JoinInfoSchema,
	JoinRequestSchema,
	LIBRARY_API,
	LessonRecordSchema,
	LessonWithLinksSchema,
	LibraryListSchema,
	LibraryQuerySchema,
	PurgeSchema,
	RECORDINGS_API,
	SchoolSchema,
	SessionInfoSchema,
	StaffSessionSchema
} from '../../protocol/index.ts';

/** The staff routes' login: the staff session cookie or an admin token. */
type Auth = 'none' | 'staff' | 'lesson' | 'media' | 'api' | 'metrics' | 'room';

const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const errors = {
	'4XX': json(ErrorBodySchema, 'Refused: `invalid` (400), `unauthorized` (401), `forbidden` (403), `not_found` (404), `gone` (410), `too_large` (413), `rate_limited` (429)…')
};
const SECURITY: Record<Auth, ZodOpenApiOperationObject['security']> = {
	none: [],
	staff: [{ bearerAuth: [] }, { staffCookie: [] }],
	lesson: [{ bearerAuth: [] }, { lessonToken: [] }],
	media: [{ mediaToken: [] }, { bearerAuth: [] }, { staffCookie: [] }],
	api: [{ bearerAuth: [] }],
	metrics: [{ bearerAuth: [] }, {}],
	room: [{ bearerAuth: [] }]
};

interface Route {
	summary: string;
	auth: Auth;
	/** 200 unless said. */
	status?: '200' | '201';
	response?: z.ZodType;
	/** A body that is not JSON (a file, CSV, Prometheus text). */
	contentType?: string;
	body?: z.ZodType;
	rawBody?: string;
	query?: z.ZodObject;
	path?: z.ZodObject;
}

const lessonPath = z.object({ lessonId: IdSchema });
const opaque = z.unknown();

/** Every HTTP route the server answers (app/http/httpFuzz.test.ts fuzzes the same list). */
const ROUTES: Record<string, Partial<Record<'get' | 'post' | 'delete', Route>>> = {
	'/healthz': { get: { summary: 'Each dependency of this node; 503 when one is down', auth: 'none', response: HealthReportSchema } },
	'/metrics': { get: { summary: 'Prometheus metrics (bearer METRICS_TOKEN when it is set)', auth: 'metrics', contentType: 'text/plain' } },
	'/api/openapi.json': { get: { summary: 'This document', auth: 'none', response: opaque } },
	'/api/session': {
		get: { summary: 'What a lesson token grants', auth: 'lesson', response: SessionInfoSchema, query: z.object({ t: z.string() }) }
	},
	[`${JOIN_API}/{code}`]: { get: { summary: 'A join code’s lesson, room and listed names', auth: 'none', response: JoinInfoSchema, path: z.object({ code: z.string() }) } },
	[JOIN_API]: { post: { summary: 'A student joins by code (201 grant, 202 pending approval); `?code=` the same code routes it to the lesson’s node in a cluster', auth: 'none', status: '201', body: JoinRequestSchema, response: opaque } },
	[JOIN_CLAIM_API]: { post: { summary: 'Wait for the assistant’s decision on a held name; `?lesson=` the 202’s lessonId routes it to the lesson’s node in a cluster', auth: 'none', body: ClaimPollSchema, response: opaque } },
	[JOIN_CLAIM_CANCEL_API]: { post: { summary: 'Withdraw a pending claim (`?lesson=` as for the wait)', auth: 'none', body: ClaimRefSchema, response: opaque } },
	'/api/staff/session': {
		get: { summary: 'Whether the staff cookie is signed in', auth: 'none', response: StaffSessionSchema },
		post: { summary: 'Sign in with an admin token (sets the staff cookie)', auth: 'staff', response: StaffSessionSchema },
		delete: { summary: 'Sign out', auth: 'none', response: StaffSessionSchema }
	},
	[SETUP_STATUS_API]: {
		get: { summary: 'What the deployment still lacks (the board licence)', auth: 'staff', response: z.object({ boardLicence: z.enum(['set', 'missing']) }) }
	},
	'/api/catalog': { get: { summary: 'Schools and classrooms', auth: 'staff', response: CatalogSchema } },
	'/api/schools': { post: { summary: 'Add a school', auth: 'staff', status: '201', body: CreateSchoolSchema, response: SchoolSchema } },
	'/api/classrooms': { post: { summary: 'Add a classroom', auth: 'staff', status: '201', body: CreateClassroomSchema, response: ClassroomSchema } },
	'/api/lessons': {
		get: { summary: 'Every lesson', auth: 'staff', response: z.array(LessonRecordSchema) },
		post: { summary: 'Create a lesson and its signed links', auth: 'staff', status: '201', body: CreateLessonSchema, response: LessonWithLinksSchema }
	},
	[CLASS_REPLAYS_API]: {
		post: {
			summary: 'Teach a ready recorded lesson again in one classroom: a replayed session with its signed links',
			auth: 'staff',
			status: '201',
			body: CreateClassReplaySchema,
			response: LessonWithLinksSchema
		}
	},
	[`${CLASS_REPLAYS_API}/{lessonId}/surface`]: {
		get: {
			summary: 'A replayed session’s recorded slides and board along the timeline (its room screen or assistant token; no chat or names)',
			auth: 'lesson',
			response: opaque,
			path: lessonPath
		}
	},
	'/api/classrooms/{classroomId}/room-link': {
		post: {
			summary: 'The classroom’s room page link, for its assistant to start recorded lessons there',
			auth: 'staff',
			status: '201',
			body: RoomLinkRequestSchema,
			response: z.object({ classroomId: IdSchema, link: z.string(), expiresAt: z.number() }),
			path: z.object({ classroomId: IdSchema })
		}
	},
	[ROOM_REPLAYS_API]: {
		get: { summary: 'The recorded lessons this room may take again (its room page token)', auth: 'room', response: opaque },
		post: {
			summary: 'Start a recorded lesson in this room: a replayed session and the links of its room screen and assistant',
			auth: 'room',
			status: '201',
			body: StartRoomReplaySchema,
			response: opaque
		}
	},
	'/api/lessons/{lessonId}': { get: { summary: 'One lesson and its links', auth: 'staff', response: LessonWithLinksSchema, path: lessonPath } },
	[DECKS_API]: {
		get: { summary: 'The lesson’s slide decks', auth: 'lesson', response: opaque },
		post: { summary: 'Upload a PDF deck', auth: 'lesson', status: '201', rawBody: 'application/pdf', response: opaque, query: z.object({ name: z.string() }) }
	},
	[`${DECKS_API}/{deckId}/file`]: { get: { summary: 'A deck’s PDF', auth: 'lesson', contentType: 'application/pdf', path: z.object({ deckId: IdSchema }) } },
	[`${DECKS_API}/{deckId}/thumbs/{page}`]: { get: { summary: 'A page thumbnail', auth: 'lesson', contentType: 'image/png', path: z.object({ deckId: IdSchema, page: z.string() }) } },
	'/pdfjs/{folder}/{file}': { get: { summary: 'pdf.js cmaps and standard fonts', auth: 'none', contentType: 'application/octet-stream', path: z.object({ folder: z.string(), file: z.string() }) } },
	[LIBRARY_API]: { get: { summary: 'Recorded lessons', auth: 'staff', response: LibraryListSchema, query: LibraryQuerySchema } },
	[`${RECORDINGS_API}/{lessonId}`]: {
		get: { summary: 'A recording’s manifest and a media token', auth: 'staff', response: opaque, path: lessonPath },
		delete: { summary: 'Delete a recording', auth: 'staff', response: opaque, path: lessonPath }
	},
	[`${RECORDINGS_API}/{lessonId}/timeline`]: { get: { summary: 'A recording’s timeline', auth: 'staff', response: opaque, path: lessonPath } },
	[`${RECORDINGS_API}/{lessonId}/boards`]: { get: { summary: 'A recording’s board snapshots', auth: 'staff', response: opaque, path: lessonPath } },
	[`${RECORDINGS_API}/{lessonId}/download`]: { get: { summary: 'The lesson package as one file', auth: 'media', contentType: 'application/octet-stream', path: lessonPath } },
	[`${RECORDINGS_API}/{lessonId}/files/media/{file}`]: {
		get: { summary: 'A package’s programme or screen media, program.webm or screen-<n>.webm (byte ranges)', auth: 'media', contentType: 'video/webm', path: z.object({ lessonId: IdSchema, file: z.string() }) }
	},
	[`${RECORDINGS_API}/{lessonId}/files/decks/{file}`]: {
		get: { summary: 'A deck PDF kept in a package (byte ranges)', auth: 'media', contentType: 'application/pdf', path: z.object({ lessonId: IdSchema, file: z.string() }) }
	},
	[`${RECORDINGS_API}/{lessonId}/export`]: {
		get: { summary: 'The signed lesson package, <title>.classbridge.zip (pseudonymous unless staff confirm names)', auth: 'staff', contentType: 'application/zip', path: lessonPath, query: PackageExportQuerySchema }
	},
	[PACKAGES_API]: { get: { summary: 'Packages this (district) server offers to schools that sync', auth: 'staff', response: PackageListSchema } },
	[`${PACKAGES_API}/import`]: { post: { summary: 'Import a signed package (422 with the reason when refused)', auth: 'staff', status: '201', rawBody: 'application/zip', response: opaque } },
	[`${PACKAGES_API}/{file}`]: { get: { summary: 'One package zip, <lessonId>.zip (byte ranges; staff or a sync token)', auth: 'staff', contentType: 'application/zip', path: z.object({ file: z.string() }) } },
	[`${PACKAGES_API}/holdings`]: {
		get: { summary: 'Which schools hold which lessons (district)', auth: 'staff', response: opaque },
		post: { summary: 'A school reports the lessons it holds (its sync token)', auth: 'api', body: HoldingsReportSchema, response: opaque }
	},
	[`${PACKAGES_API}/sync-tokens`]: { post: { summary: 'Issue a read token for a school', auth: 'staff', status: '201', body: CreateSyncTokenSchema, response: opaque } },
	[`${PACKAGES_API}/sync`]: { get: { summary: 'This school server’s sync state, progress and next window', auth: 'staff', response: opaque } },
	[`${PACKAGES_API}/key`]: { get: { summary: 'This server’s package signing public key', auth: 'staff', response: opaque } },
	[`${ANALYTICS_API}/lessons`]: { get: { summary: 'Analysed lessons', auth: 'staff', response: opaque, query: AnalyticsFilterSchema } },
	[`${ANALYTICS_API}/lessons/{lessonId}`]: { get: { summary: 'One lesson’s dashboard', auth: 'staff', response: opaque, path: lessonPath } },
	[`${ANALYTICS_API}/trends`]: { get: { summary: 'Trends by student, classroom or school', auth: 'staff', response: opaque } },
	[`${ANALYTICS_API}/compare`]: { get: { summary: 'Urban and rural rooms compared', auth: 'staff', response: opaque, query: AnalyticsFilterSchema } },
	[`${ANALYTICS_API}/warnings`]: { get: { summary: 'Early warnings', auth: 'staff', response: opaque } },
	[`${ANALYTICS_API}/audit`]: { get: { summary: 'Who exported or purged what', auth: 'staff', response: opaque } },
	[`${ANALYTICS_API}/export`]: { get: { summary: 'CSV, Parquet or xAPI export', auth: 'staff', contentType: 'application/octet-stream' } },
	[`${ANALYTICS_API}/tokens`]: {
		get: { summary: 'Data API tokens', auth: 'staff', response: opaque },
		post: { summary: 'Create a data API token', auth: 'staff', status: '201', body: CreateApiTokenSchema, response: opaque }
	},
	[`${ANALYTICS_API}/tokens/{tokenId}`]: { delete: { summary: 'Revoke a data API token', auth: 'staff', response: opaque, path: z.object({ tokenId: IdSchema }) } },
	[`${ANALYTICS_API}/purge`]: { post: { summary: 'Purge old lessons', auth: 'staff', body: PurgeSchema, response: opaque } },
	[`${DATA_API}/lessons`]: { get: { summary: 'Data API: lessons (paged)', auth: 'api', response: opaque } },
	[`${DATA_API}/classrooms`]: { get: { summary: 'Data API: classrooms', auth: 'api', response: opaque } },
	[`${DATA_API}/events`]: { get: { summary: 'Data API: events (paged)', auth: 'api', response: opaque } },
	[`${DATA_API}/summaries`]: { get: { summary: 'Data API: per-room summaries (paged)', auth: 'api', response: opaque } }
};

function operation(route: Route): ZodOpenApiOperationObject {
	const ok = route.status ?? '200';
	return {
		summary: route.summary,
		security: SECURITY[route.auth],
		...(route.path || route.query ? { requestParams: { ...(route.path ? { path: route.path } : {}), ...(route.query ? { query: route.query } : {}) } } : {}),
		...(route.body ? { requestBody: { content: { 'application/json': { schema: route.body } } } } : {}),
		...(route.rawBody ? { requestBody: { content: { [route.rawBody]: {} } } } : {}),
		responses: {
			[ok]: route.contentType ? { description: 'OK', content: { [route.contentType]: {} } } : json(route.response ?? opaque, 'OK'),
			...(route.response === HealthReportSchema ? { '503': json(HealthReportSchema, 'A dependency is down') } : {}),
			...errors
		}
	};
}

let built: unknown = null;

/** The OpenAPI 3.1 document of every route, built from the zod schemas in protocol/ (zod-openapi), once. */
export function openApiDocument(): unknown {
	if (built) return built;
	const paths: ZodOpenApiPathsObject = {};
	for (const [path, methods] of Object.entries(ROUTES)) {
		paths[path] = Object.fromEntries(Object.entries(methods).map(([method, route]) => [method, operation(route)]));
	}
	built = createDocument({
		openapi: '3.1.0',
		info: { title: 'Classbridge', version: '1', description: 'The HTTP API of a Classbridge node. Live lessons run over socket.io and the /board WebSocket, not listed here.' },
		components: {
			securitySchemes: {
				bearerAuth: { type: 'http', scheme: 'bearer', description: 'An admin token (staff routes), a lesson token, a data API token or METRICS_TOKEN' },
				staffCookie: { type: 'apiKey', in: 'cookie', name: 'cb_staff' },
				lessonToken: { type: 'apiKey', in: 'query', name: 't' },
				mediaToken: { type: 'apiKey', in: 'query', name: 'm' }
			}
		},
		paths
	});
	return built;
}
