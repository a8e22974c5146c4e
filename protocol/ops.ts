import { z } from 'zod';
import { ErrorCodeSchema, IdSchema, LocaleKindSchema, RoleSchema } from './common.ts';
import { PackageStateSchema } from './recording.ts';
import type { Catalog, Classroom, JoinInfo, LessonLinks, LessonRecord, School } from './api.ts';
import type { LibraryEntry } from './recording.ts';

/**
 * Response bodies of the HTTP routes as zod schemas, for the OpenAPI document (app/ops/openapi.ts)
 * and the test that checks real answers against it. Each is tied to the TypeScript interface the
 * server returns (the `satisfies` checks at the end), so the two cannot drift apart.
 */

/** One dependency's state in GET /healthz. */
export const HealthCheckSchema = z.object({
	ok: z.boolean(),
	detail: z.string().optional(),
	freeBytes: z.number().optional()
});
export type HealthCheck = z.infer<typeof HealthCheckSchema>;

/** GET /healthz: 200 when every check is ok, 503 when one is not. `redis` only with REDIS_URL. */
export const HealthReportSchema = z.object({
	ok: z.boolean(),
	checks: z.object({
		workers: HealthCheckSchema,
		redis: HealthCheckSchema.optional(),
		dataDir: HealthCheckSchema,
		analytics: HealthCheckSchema,
		ffmpeg: HealthCheckSchema
	})
});
export type HealthReport = z.infer<typeof HealthReportSchema>;

/** Every refused HTTP request: `code` is an ErrorCode, or a more precise reason (e.g. `token_missing`, `token_expired`). */
export const ErrorBodySchema = z.object({ error: z.object({ code: z.union([ErrorCodeSchema, z.string().regex(/^[a-z_]{1,40}$/)]), message: z.string() }) });

export const SchoolSchema = z.object({ id: IdSchema, name: z.string(), locale: LocaleKindSchema, createdAt: z.number() });
export const ClassroomSchema = z.object({ id: IdSchema, schoolId: IdSchema, name: z.string(), createdAt: z.number() });
export const CatalogSchema = z.object({ schools: z.array(SchoolSchema), classrooms: z.array(ClassroomSchema) });
export const LessonRecordSchema = z.object({
	id: IdSchema,
	title: z.string(),
	teacherName: z.string(),
	classroomIds: z.array(IdSchema),
	joinCodes: z.record(z.string(), z.string()),
	createdAt: z.number(),
	linksExpireAt: z.number(),
	status: z.enum(['scheduled', 'live', 'ended']),
	autoRecord: z.boolean(),
	replayOf: IdSchema.nullable().optional()
});
export const LessonLinksSchema = z.object({
	teacher: z.string(),
	observer: z.string(),
	classrooms: z.array(z.object({ classroomId: IdSchema, room: z.string(), assistant: z.string(), joinCode: z.string() })),
	expiresAt: z.number()
});
export const LessonWithLinksSchema = z.object({ lesson: LessonRecordSchema, links: LessonLinksSchema });
/** GET /api/session?t=: what a lesson token grants. */
export const SessionInfoSchema = z.object({
	role: RoleSchema,
	lessonId: IdSchema,
	classroomId: IdSchema.nullable(),
	expiresAt: z.number(),
	/** This node's https origin for other machines (null: none); the insecure-context notice links to it. */
	httpsOrigin: z.string().nullable().optional()
});
export const JoinInfoSchema = z.object({
	lessonTitle: z.string(),
	classroomName: z.string(),
	students: z.array(z.object({ pick: z.string(), name: z.string() }))
});
export const LibraryEntrySchema = z.object({
	lessonId: IdSchema,
	title: z.string(),
	teacherName: z.string(),
	classrooms: z.array(z.object({ id: z.string(), name: z.string() })),
	startedAt: z.number(),
	endedAt: z.number().nullable(),
	durationMs: z.number(),
	bytes: z.number(),
	state: PackageStateSchema,
	progress: z.number(),
	notes: z.number()
});
/** GET /api/library. */
export const LibraryListSchema = z.object({ entries: z.array(LibraryEntrySchema) });
/** GET /api/staff/session. */
export const StaffSessionSchema = z.object({ signedIn: z.boolean(), expiresAt: z.number().optional() });

// The schemas describe exactly what the interfaces say (a compile error here means one changed).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same = <T extends true>(value: T) => value;
same<Same<z.infer<typeof SchoolSchema>, School>>(true);
same<Same<z.infer<typeof ClassroomSchema>, Classroom>>(true);
same<Same<z.infer<typeof CatalogSchema>, Catalog>>(true);
same<Same<z.infer<typeof LessonRecordSchema>, LessonRecord>>(true);
same<Same<z.infer<typeof LessonLinksSchema>, LessonLinks>>(true);
same<Same<z.infer<typeof JoinInfoSchema>, JoinInfo>>(true);
same<Same<z.infer<typeof LibraryEntrySchema>, LibraryEntry>>(true);

/** backup-manifest.json of a backup folder (`npm run backup`), read back by `npm run restore`. */
export const BackupManifestSchema = z
	.object({
		format: z.literal('classbridge-backup'),
		version: z.literal(1),
		createdAt: z.number().int(),
		/** Where the analytics store went in the backup (`null`: the server kept it in memory). */
		analyticsFile: z.string().max(200).nullable(),
		files: z
			.array(
				z.object({
					path: z.string().min(1).max(1000).refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'a relative path inside the backup'),
					bytes: z.number().int().min(0),
					sha256: z.string().regex(/^[0-9a-f]{64}$/)
				})
			)
			.max(1_000_000)
	})
	.strict();
export type BackupManifest = z.infer<typeof BackupManifestSchema>;
