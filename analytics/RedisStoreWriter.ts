import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { moduleLogger } from '../core/logger.ts';
import type { AnalyticsService } from './AnalyticsService.ts';
import type { IncomingEvent } from './eventRow.ts';
import { ANALYTICS_STREAM_KEY } from './RedisEventStream.ts';

const log = moduleLogger('analytics-stream-writer');

const LOCK_KEY = 'cb:analytics:writer-lock';
export const ANALYTICS_STREAM_GROUP = 'analytics-store';
/** One consumer name for whoever holds the lock, so a new holder picks up its predecessor's unacknowledged entries. */
export const ANALYTICS_STREAM_CONSUMER = 'store-writer';
const GROUP = ANALYTICS_STREAM_GROUP;
const CONSUMER = ANALYTICS_STREAM_CONSUMER;
const LOCK_MS = 15_000;
const RENEW_MS = 5_000;
const RETRY_MS = 3_000;

/** The envelope of a ClassroomEvent, whatever its type: a new type needs no change here. */
const StreamEventSchema = z.object({
	v: z.number().int(),
	id: z.string().min(1).max(100),
	lessonId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
	at: z.number(),
	type: z.string().min(1).max(60),
	actor: z.string().min(1).max(100),
	role: z.string().min(1).max(20),
	classroomId: z.string().max(64).nullable(),
	data: z.unknown()
});

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * The one store writer of a scaled-out deployment. Every node runs one; the one that holds a
 * Redis lock opens the DuckDB file and appends what the stream's consumer group delivers,
 * acknowledging entries only once they are in the store. If the holder dies its lock expires and
 * another node takes over, starting with the entries left unacknowledged; those may already be in
 * the store (the holder died between its commit and its XACK), so events whose id is stored are
 * skipped and every event is stored once.
 */
export class RedisStoreWriter {
	readonly #url: string;
	readonly #open: () => Promise<AnalyticsService>;
	readonly #token = randomUUID();
	readonly #redis: Redis;
	#reader: Redis | null = null;
	#service: AnalyticsService | null = null;
	#stopped = false;
	#loop: Promise<void> | null = null;
	#renewTimer: NodeJS.Timeout | null = null;
	#retryTimer: NodeJS.Timeout | null = null;
	#consumed = 0;

	constructor(url: string, open: () => Promise<AnalyticsService>) {
		this.#url = url;
		this.#open = open;
		this.#redis = new Redis(url, { maxRetriesPerRequest: 2 });
		this.#redis.on('error', (error: Error) => log.warn({ err: error.message }, 'redis error'));
	}

	/** The open store while this node holds the lock, else null. */
	get service(): AnalyticsService | null {
		return this.#service;
	}

	/** Stream entries appended by this node. */
	get consumed(): number {
		return this.#consumed;
	}

	async start(): Promise<void> {
		await this.#tryAcquire();
	}

	async #tryAcquire(): Promise<void> {
		if (this.#stopped || this.#service) return;
		try {
			const got = await this.#redis.set(LOCK_KEY, this.#token, 'PX', LOCK_MS, 'NX');
			if (got === 'OK') {
				await this.#becomeWriter();
				return;
			}
		} catch (error) {
			log.warn({ err: (error as Error).message }, 'analytics writer lock not taken');
		}
		this.#retryTimer = setTimeout(() => void this.#tryAcquire(), RETRY_MS);
		this.#retryTimer.unref();
	}

	async #becomeWriter(): Promise<void> {
		try {
			this.#service = await this.#open();
		} catch (error) {
			log.error({ err: (error as Error).message }, 'cannot open the analytics store; giving the lock back');
			await this.#redis.eval(RELEASE, 1, LOCK_KEY, this.#token).catch(() => undefined);
			this.#retryTimer = setTimeout(() => void this.#tryAcquire(), RETRY_MS);
			return;
		}
		await this.#redis.xgroup('CREATE', ANALYTICS_STREAM_KEY, GROUP, '0', 'MKSTREAM').catch((error: Error) => {
			if (!error.message.includes('BUSYGROUP')) throw error;
		});
		this.#renewTimer = setInterval(() => void this.#renew(), RENEW_MS);
		this.#renewTimer.unref();
		this.#reader = new Redis(this.#url, { maxRetriesPerRequest: null });
		this.#reader.on('error', (error: Error) => log.warn({ err: error.message }, 'redis error (stream reader)'));
		log.info('this node writes the analytics store');
		this.#loop = this.#consume().catch((error: Error) => log.error({ err: error.message }, 'analytics stream reader stopped'));
	}

	async #renew(): Promise<void> {
		const ok = await this.#redis.eval(RENEW, 1, LOCK_KEY, this.#token, String(LOCK_MS)).catch(() => 0);
		if (ok === 1) return;
		log.warn('analytics writer lock lost; closing the store');
		await this.#stepDown();
		this.#retryTimer = setTimeout(() => void this.#tryAcquire(), RETRY_MS);
	}

	async #consume(): Promise<void> {
		// First what was delivered but never acknowledged (a previous holder died mid-batch), then new entries.
		let cursor = '0';
		while (!this.#stopped && this.#service && this.#reader) {
			let reply: [string, [string, string[]][]][] | null;
			try {
				reply = (await this.#reader.xreadgroup('GROUP', GROUP, CONSUMER, 'COUNT', 1000, 'BLOCK', 500, 'STREAMS', ANALYTICS_STREAM_KEY, cursor)) as
					| [string, [string, string[]][]][]
					| null;
			} catch (error) {
				if (this.#stopped || !this.#service) return;
				log.warn({ err: (error as Error).message }, 'stream read failed; retrying');
				await new Promise((r) => setTimeout(r, 500));
				continue;
			}
			const entries = reply?.[0]?.[1] ?? [];
			if (cursor === '0' && entries.length === 0) {
				cursor = '>';
				continue;
			}
			if (entries.length === 0) continue;
			const service = this.#service;
			const events = entries.map(([, fields]) => parseEntry(fields)).filter((e) => e !== null);
			const redelivered = cursor === '0';
			try {
				const stored = redelivered ? await service.storedEventIds(events.map((e) => e.id)) : new Set<string>();
				for (const event of events) if (!stored.has(event.id)) service.ingest(event);
				if (stored.size > 0) log.info({ skipped: stored.size }, 'unacknowledged entries already in the store were skipped');
				await service.writer.flush();
				await this.#redis.xack(ANALYTICS_STREAM_KEY, GROUP, ...entries.map(([id]) => id));
			} catch (error) {
				// Unacknowledged entries stay pending: the next writer (or this one after a restart) reads them again.
				log.warn({ err: (error as Error).message, entries: entries.length }, 'stream batch not acknowledged; going on');
				await new Promise((r) => setTimeout(r, 500));
				continue;
			}
			this.#consumed += entries.length;
			if (cursor === '0') cursor = entries[entries.length - 1]?.[0] ?? cursor;
		}
	}

	async #stepDown(): Promise<void> {
		const service = this.#service;
		this.#service = null;
		if (this.#renewTimer) clearInterval(this.#renewTimer);
		this.#renewTimer = null;
		this.#reader?.disconnect();
		// A read queued while Redis was unreachable may never settle after disconnect(); the loop
		// blocks for at most 500 ms otherwise, so waiting longer than that means it is stuck.
		await Promise.race([this.#loop, new Promise((r) => setTimeout(r, 1500).unref())]);
		this.#reader = null;
		this.#loop = null;
		await service?.close();
	}

	async close(): Promise<void> {
		this.#stopped = true;
		if (this.#retryTimer) clearTimeout(this.#retryTimer);
		const held = this.#service !== null;
		await this.#stepDown();
		if (held) await this.#redis.eval(RELEASE, 1, LOCK_KEY, this.#token).catch(() => undefined);
		await this.#redis.quit().catch(() => this.#redis.disconnect());
	}
}

function parseEntry(fields: string[]): IncomingEvent | null {
	const index = fields.indexOf('e');
	const raw = index >= 0 ? fields[index + 1] : undefined;
	try {
		const parsed = StreamEventSchema.safeParse(JSON.parse(raw ?? ''));
		if (parsed.success) return parsed.data as IncomingEvent;
		log.error({ issue: parsed.error.issues[0]?.message }, 'dropping a malformed stream entry');
	} catch {
		log.error('dropping a stream entry that is not JSON');
	}
	return null;
}
