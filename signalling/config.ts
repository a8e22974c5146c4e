import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/** Every setting comes from the environment through this one validated module (README lists them). */
const EnvSchema = z.object({
	HOST: z.string().default('0.0.0.0'),
	PORT: z.coerce.number().int().min(0).max(65535).default(3000),
	/** The URL people open; links are built on it. Defaults to http://localhost:PORT. */
	PUBLIC_URL: z.url().optional(),
	DATA_DIR: z.string().default('./data'),
	REDIS_URL: z.string().optional(),
	/** mediasoup: one worker per core unless set. */
	MEDIASOUP_WORKERS: z.coerce.number().int().min(1).max(64).optional(),
	/** WebRtcServer port (UDP and TCP) of worker 0; worker i listens on RTC_PORT + i. */
	RTC_PORT: z.coerce.number().int().min(1).max(65535).default(40000),
	RTC_LISTEN_IP: z.string().default('0.0.0.0'),
	/** The address browsers reach the SFU at (public IP or DNS name). */
	RTC_ANNOUNCED_ADDRESS: z.string().optional(),
	MEDIASOUP_LOG_LEVEL: z.enum(['debug', 'warn', 'error', 'none']).default('error'),
	/** How long a participant whose connection dropped keeps their place (hands, presence). */
	RECONNECT_GRACE_MS: z.coerce.number().int().min(1000).default(45_000),
	ADMIN_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).default(365)
});

export type Config = ReturnType<typeof loadConfig>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
	const parsed = EnvSchema.safeParse(env);
	if (!parsed.success) {
		const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
		throw new Error(`invalid configuration:\n${lines.join('\n')}`);
	}
	const e = parsed.data;
	const announced = e.RTC_ANNOUNCED_ADDRESS ?? (e.RTC_LISTEN_IP === '0.0.0.0' ? '127.0.0.1' : e.RTC_LISTEN_IP);
	return {
		host: e.HOST,
		port: e.PORT,
		publicUrl: e.PUBLIC_URL?.replace(/\/$/, ''),
		dataDir: path.resolve(e.DATA_DIR),
		redisUrl: e.REDIS_URL,
		mediasoup: {
			numWorkers: e.MEDIASOUP_WORKERS ?? os.availableParallelism(),
			rtcPort: e.RTC_PORT,
			listenIp: e.RTC_LISTEN_IP,
			announcedAddress: announced,
			logLevel: e.MEDIASOUP_LOG_LEVEL
		},
		reconnectGraceMs: e.RECONNECT_GRACE_MS,
		adminTokenTtlDays: e.ADMIN_TOKEN_TTL_DAYS
	};
}
