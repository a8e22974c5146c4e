import { constants } from 'node:fs';
import { access, rm, statfs, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { HealthCheck, HealthReport } from '../../protocol/index.ts';

/** What /healthz asks of the parts (wired in app/app.ts). */
export interface HealthSources {
	workers(): number;
	dataDir: string;
	/** Below this many free bytes on the data folder's disk the node reports itself down. */
	minFreeBytes: number;
	analytics(): { ok: boolean; role: 'writer' | 'standby'; detail?: string };
	redisUrl?: string;
	ffmpegPath?: string;
}

const CHECK_TIMEOUT_MS = 2000;

function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	return Promise.race([
		work,
		new Promise<T>((_, reject) => {
			timer = setTimeout(() => reject(new Error(`${what}: no answer in ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
		})
	]).finally(() => clearTimeout(timer));
}

/**
 * Each dependency the node needs, checked on every request, for a load balancer: 200 when all are
 * ok, 503 when one is down (and which, in the body).
 */
export class Health {
	readonly #sources: HealthSources;
	/** Its own connection: the store's client queues commands while Redis is away, this one fails fast. */
	readonly #redis: Redis | null;

	constructor(sources: HealthSources) {
		this.#sources = sources;
		this.#redis = sources.redisUrl
			? new Redis(sources.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 1000, lazyConnect: false })
			: null;
		// Connection errors are what the check reports; they are not to reach the process as unhandled.
		this.#redis?.on('error', () => undefined);
	}

	async report(): Promise<HealthReport> {
		const [workers, redis, dataDir, analytics, ffmpeg] = await Promise.all([
			this.#workers(),
			this.#redis ? this.#redisCheck(this.#redis) : undefined,
			this.#dataDir(),
			this.#analytics(),
			this.#ffmpeg()
		]);
		const checks: HealthReport['checks'] = { workers, ...(redis ? { redis } : {}), dataDir, analytics, ffmpeg };
		return { ok: Object.values(checks).every((c) => c.ok), checks };
	}

	async close(): Promise<void> {
		this.#redis?.disconnect();
	}

	async #workers(): Promise<HealthCheck> {
		const count = this.#sources.workers();
		return count > 0 ? { ok: true, detail: `${count} mediasoup worker(s)` } : { ok: false, detail: 'no mediasoup worker is running' };
	}

	async #redisCheck(redis: Redis): Promise<HealthCheck> {
		try {
			await withTimeout(redis.ping(), 'redis');
			return { ok: true };
		} catch (error) {
			return { ok: false, detail: `redis unreachable: ${(error as Error).message}` };
		}
	}

	async #dataDir(): Promise<HealthCheck> {
		const dir = this.#sources.dataDir;
		const probe = path.join(dir, `.healthz-${process.pid}`);
		try {
			await withTimeout(writeFile(probe, 'ok'), 'data folder write');
			await rm(probe, { force: true });
			const info = await statfs(dir);
			const free = info.bavail * info.bsize;
			if (free < this.#sources.minFreeBytes) return { ok: false, detail: `only ${Math.round(free / 1048576)} MiB free on the data folder's disk`, freeBytes: free };
			return { ok: true, freeBytes: free };
		} catch (error) {
			return { ok: false, detail: `data folder not writable: ${(error as Error).message}` };
		}
	}

	async #analytics(): Promise<HealthCheck> {
		const state = this.#sources.analytics();
		return { ok: state.ok, detail: state.detail ?? state.role };
	}

	async #ffmpeg(): Promise<HealthCheck> {
		const ffmpeg = this.#sources.ffmpegPath ?? '/usr/bin/ffmpeg';
		try {
			await access(ffmpeg, constants.X_OK);
			return { ok: true };
		} catch {
			return { ok: false, detail: `no ffmpeg at ${ffmpeg} (recording needs it)` };
		}
	}
}
