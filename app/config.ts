import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { parseSyncWindow } from '../recorder/packages/syncWindow.ts';

/** Every setting comes from the environment through this one validated module (README lists them). */
const EnvSchema = z.object({
	HOST: z.string().default('0.0.0.0'),
	PORT: z.coerce.number().int().min(0).max(65535).default(3000),
	/** HTTPS (and WSS) for other machines: a port, 0 for any free one, or 'off'. */
	HTTPS_PORT: z.union([z.literal('off'), z.coerce.number().int().min(0).max(65535)]).default(3443),
	/** PEM certificate (chain) and key for HTTPS; without them a self-signed one is made once in DATA_DIR/tls. */
	TLS_CERT: z.string().min(1).optional(),
	TLS_KEY: z.string().min(1).optional(),
	/** The URL people open; links are built on it. Defaults to http://localhost:PORT. */
	PUBLIC_URL: z.url().optional(),
	DATA_DIR: z.string().default('./data'),
	REDIS_URL: z.string().optional(),
	/** With REDIS_URL: this node's name among the deployment's nodes (default: host name and port). */
	NODE_ID: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/).optional(),
	/** With REDIS_URL: where the other nodes reach this one over plain HTTP (default: http://LAN address:PORT). */
	NODE_URL: z.url().optional(),
	/** mediasoup: one worker per core unless set. */
	MEDIASOUP_WORKERS: z.coerce.number().int().min(1).max(64).optional(),
	/** WebRtcServer port (UDP and TCP) of worker 0; worker i listens on RTC_PORT + i. */
	RTC_PORT: z.coerce.number().int().min(1).max(65535).default(40000),
	RTC_LISTEN_IP: z.string().default('0.0.0.0'),
	/** The address browsers reach the SFU at (public IP or DNS name). */
	RTC_ANNOUNCED_ADDRESS: z.string().optional(),
	MEDIASOUP_LOG_LEVEL: z.enum(['debug', 'warn', 'error', 'none']).default('error'),
	/** Consumers one lesson router holds before new participants go to a router on another worker (producers piped there). */
	MEDIASOUP_ROUTER_MAX_CONSUMERS: z.coerce.number().int().min(1).default(400),
	/** How long a participant whose connection dropped keeps their place (hands, presence). */
	RECONNECT_GRACE_MS: z.coerce.number().int().min(1000).default(45_000),
	ADMIN_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).default(365),
	/** TURN for firewalled schools: comma-separated URLs, e.g. turns:turn.example.org:443?transport=tcp */
	TURN_URLS: z.string().optional(),
	/** coturn's static-auth-secret (use-auth-secret): clients get credentials valid TURN_TTL_S. */
	TURN_SECRET: z.string().min(16).optional(),
	TURN_TTL_S: z.coerce.number().int().min(60).default(6 * 3600),
	/** Largest PDF deck a teacher may upload, in MiB. */
	SLIDES_MAX_MB: z.coerce.number().positive().max(1024).default(100),
	/** How long the server may spend parsing one uploaded PDF before refusing it. */
	SLIDES_PARSE_TIMEOUT_MS: z.coerce.number().int().min(500).default(30_000),
	/** Multiplies every per-participant request rate limit (signalling/requestRates.ts); raise it only for load tests. */
	REQUEST_RATE_SCALE: z.coerce.number().positive().max(100_000).default(1),
	/** How many reverse proxies sit in front of the server (X-Forwarded-For hops to trust). */
	TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
	/** Recording stops (with a warning to the teacher) when the data folder's disk has less free than this. */
	RECORDING_MIN_FREE_MB: z.coerce.number().int().min(1).default(500),
	/** Length of the recorder's media segments: a crash loses at most about this much. */
	RECORDING_SEGMENT_SECONDS: z.coerce.number().int().min(1).max(60).default(4),
	/** tldraw's licence key: needed on HTTPS hosts other than localhost. */
	TLDRAW_LICENSE_KEY: z.string().min(1).optional(),
	/** The analytics DuckDB file; ':memory:' keeps it in memory (tests). Default DATA_DIR/analytics/classbridge.duckdb. */
	ANALYTICS_FILE: z.string().min(1).optional(),
	/** Events are appended in batches: at least this often… */
	ANALYTICS_FLUSH_MS: z.coerce.number().int().min(10).max(60_000).default(250),
	/** …or as soon as this many wait. */
	ANALYTICS_BATCH: z.coerce.number().int().min(1).max(100_000).default(5000),
	/** A lesson with no new event for this long is summarised for the cross-lesson views (trends, comparison, warnings). */
	ANALYTICS_SETTLE_MS: z.coerce.number().int().min(1000).default(300_000),
	/** When set, lessons whose last event is older than this many days are purged once a day. Unset: kept until staff purge. */
	ANALYTICS_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).optional(),
	/** With REDIS_URL: the events stream is capped at about this many entries. */
	ANALYTICS_STREAM_MAXLEN: z.coerce.number().int().min(1000).default(1_000_000),
	/** DuckDB threads for analytics queries (default: all cores). */
	ANALYTICS_THREADS: z.coerce.number().int().min(1).max(64).optional(),
	/** Ed25519 public keys (base64 DER SPKI, comma-separated) whose lesson packages this server imports; its own is always trusted. */
	TRUSTED_PACKAGE_KEYS: z.string().optional(),
	/** Largest lesson package accepted on import or sync, in MiB. */
	PACKAGES_MAX_MB: z.coerce.number().positive().max(1_048_576).default(8192),
	/** A district server whose library this (school) server follows, e.g. https://district.example.org */
	SYNC_FROM: z.url().optional(),
	/** The read token the district's staff issued to this school (POST /api/packages/sync-tokens there). */
	SYNC_TOKEN: z.string().min(8).optional(),
	/** Cap on what sync pulls, in kbit/s (unset: no cap). */
	SYNC_MAX_KBPS: z.coerce.number().positive().max(10_000_000).optional(),
	/** Daily window in local time when sync may run, e.g. 22-06 or 22:30-06:15 (unset: any time). */
	SYNC_HOURS: z.string().optional(),
	/** How often sync looks for new packages (and retries after a cut), in seconds. */
	SYNC_INTERVAL_S: z.coerce.number().int().min(1).max(86_400).default(300),
	/** When set, GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>`. */
	METRICS_TOKEN: z.string().min(16).optional(),
	/** /healthz reports the data folder down when its disk has less free than this. */
	HEALTH_MIN_FREE_MB: z.coerce.number().int().min(1).default(200),
	/** DuckDB's memory limit for analytics, e.g. 1GB (default: DuckDB's, 80 % of RAM). */
	ANALYTICS_MEMORY_LIMIT: z.string().regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'a size such as 512MB or 2GB').optional()
});

export type Config = ReturnType<typeof loadConfig>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
	const parsed = EnvSchema.safeParse(env);
	if (!parsed.success) {
		const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
		throw new Error(`invalid configuration:\n${lines.join('\n')}`);
	}
	const e = parsed.data;
	if (!e.TLS_CERT !== !e.TLS_KEY) throw new Error('invalid configuration:\n  TLS_CERT, TLS_KEY: set both or neither');
	// Listening on every address: announce the LAN address, so that other machines reach the SFU too
	// (a browser on this machine reaches it there as well).
	const announced = e.RTC_ANNOUNCED_ADDRESS ?? (e.RTC_LISTEN_IP === '0.0.0.0' ? (firstLanIPv4() ?? '127.0.0.1') : e.RTC_LISTEN_IP);
	return {
		host: e.HOST,
		port: e.PORT,
		https: e.HTTPS_PORT === 'off' ? null : { port: e.HTTPS_PORT, certFile: e.TLS_CERT ?? null, keyFile: e.TLS_KEY ?? null },
		publicUrl: e.PUBLIC_URL?.replace(/\/$/, ''),
		dataDir: path.resolve(e.DATA_DIR),
		redisUrl: e.REDIS_URL,
		node: { id: e.NODE_ID ?? null, url: e.NODE_URL?.replace(/\/$/, '') ?? null },
		mediasoup: {
			numWorkers: e.MEDIASOUP_WORKERS ?? os.availableParallelism(),
			rtcPort: e.RTC_PORT,
			listenIp: e.RTC_LISTEN_IP,
			announcedAddress: announced,
			logLevel: e.MEDIASOUP_LOG_LEVEL,
			routerMaxConsumers: e.MEDIASOUP_ROUTER_MAX_CONSUMERS
		},
		reconnectGraceMs: e.RECONNECT_GRACE_MS,
		adminTokenTtlDays: e.ADMIN_TOKEN_TTL_DAYS,
		turn: turnConfig(e.TURN_URLS, e.TURN_SECRET, e.TURN_TTL_S),
		slides: { maxBytes: Math.round(e.SLIDES_MAX_MB * 1024 * 1024), parseTimeoutMs: e.SLIDES_PARSE_TIMEOUT_MS },
		tldrawLicenseKey: e.TLDRAW_LICENSE_KEY ?? null,
		analytics: {
			file: e.ANALYTICS_FILE === ':memory:' ? ':memory:' : path.resolve(e.ANALYTICS_FILE ?? path.join(e.DATA_DIR, 'analytics', 'classbridge.duckdb')),
			flushMs: e.ANALYTICS_FLUSH_MS,
			batchSize: e.ANALYTICS_BATCH,
			settleMs: e.ANALYTICS_SETTLE_MS,
			retentionDays: e.ANALYTICS_RETENTION_DAYS ?? null,
			streamMaxLen: e.ANALYTICS_STREAM_MAXLEN,
			threads: e.ANALYTICS_THREADS ?? null,
			memoryLimit: e.ANALYTICS_MEMORY_LIMIT ?? null
		},
		recording: { minFreeBytes: e.RECORDING_MIN_FREE_MB * 1024 * 1024, segmentSeconds: e.RECORDING_SEGMENT_SECONDS },
		packages: {
			trustedKeys: (e.TRUSTED_PACKAGE_KEYS ?? '').split(',').map((k) => k.trim()).filter(Boolean),
			maxBytes: Math.round(e.PACKAGES_MAX_MB * 1024 * 1024)
		},
		sync: syncConfig(e.SYNC_FROM, e.SYNC_TOKEN, e.SYNC_MAX_KBPS, e.SYNC_HOURS, e.SYNC_INTERVAL_S),
		trustProxy: e.TRUST_PROXY,
		ops: { metricsToken: e.METRICS_TOKEN ?? null, healthMinFreeBytes: e.HEALTH_MIN_FREE_MB * 1024 * 1024 },
		requestRateScale: e.REQUEST_RATE_SCALE
	};
}

function turnConfig(urls: string | undefined, secret: string | undefined, ttlSeconds: number) {
	const list = (urls ?? '').split(',').map((u) => u.trim()).filter(Boolean);
	if (list.length === 0) return null;
	const bad = list.find((u) => !/^turns?:[^\s]+$/.test(u));
	if (bad) throw new Error(`invalid configuration:\n  TURN_URLS: "${bad}" is not a turn: or turns: URL`);
	if (!secret) throw new Error('invalid configuration:\n  TURN_SECRET: required with TURN_URLS (coturn static-auth-secret)');
	return { urls: list, secret, ttlSeconds };
}

function syncConfig(from: string | undefined, token: string | undefined, maxKbps: number | undefined, hours: string | undefined, intervalS: number) {
	if (!from) return null;
	if (!token) throw new Error('invalid configuration:\n  SYNC_TOKEN: required with SYNC_FROM (a read token from the district staff)');
	const window = parseSyncWindowOrThrow(hours);
	return { from: from.replace(/\/$/, ''), token, maxKbps: maxKbps ?? null, window, intervalMs: intervalS * 1000 };
}

function parseSyncWindowOrThrow(hours: string | undefined) {
	try {
		return parseSyncWindow(hours);
	} catch (error) {
		throw new Error(`invalid configuration:\n  ${(error as Error).message}`);
	}
}

/** The first IPv4 address of this machine that is not loopback (what other machines on the LAN reach). */
export function firstLanIPv4(): string | null {
	for (const list of Object.values(os.networkInterfaces())) {
		for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
	}
	return null;
}
