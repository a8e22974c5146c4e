import { z } from 'zod';
import { IdSchema } from './common.ts';

/**
 * Lesson packages between servers (recorder/packages/README.md):
 *
 *   GET  /api/recordings/<lessonId>/export[?names=true&confirm=export-with-names]
 *        → `<title>.classbridge.zip` (staff, or the lesson's teacher; names need staff and the confirm)
 *   POST /api/packages/import     body: the zip (application/zip)            → ImportResult (staff)
 *   GET  /api/packages            (Bearer sync token or staff)               → PackageList
 *   GET  /api/packages/<lessonId>.zip (Bearer sync token or staff; ranges)   → the pseudonymous package
 *   POST /api/packages/holdings   (Bearer sync token) body HoldingsReport    → 204: what a school holds
 *   GET  /api/packages/holdings   (staff)                                    → DistrictHoldings
 *   POST /api/packages/sync-tokens (staff) body CreateSyncTokenSchema        → { token }
 *   GET  /api/packages/sync       (staff)                                    → SyncStatus
 *
 * Inside the zip: `classbridge-package.json` (PackageManifest: every other file with its bytes and
 * SHA-256), `classbridge-package.sig` (PackageSignature: Ed25519 over the manifest's exact bytes),
 * `recording/…` (the package folder), `index.html` + `player/…` (the offline player).
 */
export const PACKAGE_SCHEMA_VERSION = 1;
export const PACKAGE_MANIFEST_FILE = 'classbridge-package.json';
export const PACKAGE_SIGNATURE_FILE = 'classbridge-package.sig';
export const PACKAGES_API = '/api/packages';

export const PackageFileSchema = z.object({
	path: z.string().min(1).max(300).regex(/^(?!\/)(?!.*\.\.)[A-Za-z0-9._/-]+$/),
	bytes: z.number().int().min(0),
	sha256: z.string().regex(/^[0-9a-f]{64}$/)
});
export type PackageFile = z.infer<typeof PackageFileSchema>;

/** Only the version is read first, so a newer package is refused as newer, not as malformed. */
export const PackageVersionSchema = z.object({ schemaVersion: z.number().int().min(1) });

export const PackageManifestSchema = z.object({
	schemaVersion: z.literal(PACKAGE_SCHEMA_VERSION),
	lessonId: IdSchema,
	title: z.string().max(500),
	teacherName: z.string().max(200),
	startedAt: z.number(),
	durationMs: z.number().min(0),
	/** The exporting server (its public URL) and when. */
	origin: z.object({ server: z.string().max(300), exportedAt: z.number() }),
	/** Student names: pseudonyms unless staff chose to include names. */
	names: z.enum(['pseudonymous', 'named']),
	files: z.array(PackageFileSchema).max(10_000)
});
export type PackageManifest = z.infer<typeof PackageManifestSchema>;

export const PackageSignatureSchema = z.object({
	alg: z.literal('Ed25519'),
	/** First 16 hex digits of the SHA-256 of the public key (DER, SPKI). */
	keyId: z.string().regex(/^[0-9a-f]{16}$/),
	/** Base64 of the public key (DER, SPKI): what TRUSTED_PACKAGE_KEYS lists. */
	publicKey: z.string().max(200),
	/** Base64 Ed25519 signature of the manifest file's bytes. */
	signature: z.string().max(200)
});
export type PackageSignature = z.infer<typeof PackageSignatureSchema>;

export const PackageExportQuerySchema = z
	.object({ names: z.enum(['true', 'false']).optional(), confirm: z.string().max(100).optional() })
	.strict();

/** Why an import was refused (HTTP 422 with this as the reason). */
export type PackageRefusal =
	| 'not_a_zip'
	| 'truncated'
	| 'no_manifest'
	| 'bad_manifest'
	| 'newer_schema'
	| 'unsigned'
	| 'untrusted_key'
	| 'bad_signature'
	| 'missing_file'
	| 'checksum_mismatch'
	| 'unexpected_file'
	| 'too_large'
	| 'exists';

export interface ImportResult {
	lessonId: string;
	title: string;
	origin: PackageOrigin;
}

/** Where an imported or synced package came from (LibraryEntry.origin). */
export interface PackageOrigin {
	kind: 'imported' | 'synced';
	server: string;
	keyId: string;
	at: number;
}

export const PackageOriginSchema = z.object({
	kind: z.enum(['imported', 'synced']),
	server: z.string().max(300),
	keyId: z.string().max(32),
	at: z.number()
});

export interface PackageListEntry {
	lessonId: string;
	title: string;
	/** Size of the package zip this server serves. */
	bytes: number;
	startedAt: number;
}
export const PackageListSchema = z.object({
	packages: z
		.array(z.object({ lessonId: IdSchema, title: z.string().max(500), bytes: z.number().int().min(0), startedAt: z.number() }))
		.max(100_000)
});
export type PackageList = z.infer<typeof PackageListSchema>;

export const CreateSyncTokenSchema = z.object({ school: z.string().trim().min(1).max(100) }).strict();

export const HoldingsReportSchema = z.object({ lessonIds: z.array(IdSchema).max(100_000) }).strict();

export interface DistrictHoldings {
	schools: { school: string; lessonIds: string[]; reportedAt: number }[];
}

/** The school side of sync (the library page shows it). */
export interface SyncStatus {
	enabled: boolean;
	from: string | null;
	state: 'idle' | 'waiting_window' | 'downloading' | 'verifying' | 'error';
	/** The package being pulled and how far. */
	current: { lessonId: string; title: string; bytes: number; received: number } | null;
	/** When the next window opens (ms since the epoch); null when inside it or no window is set. */
	nextWindowAt: number | null;
	hours: string | null;
	maxKbps: number | null;
	done: number;
	pending: number;
	lastError: string | null;
	lastSyncAt: number | null;
}
