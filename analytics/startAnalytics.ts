import path from 'node:path';
import type { ClassroomEvent } from '../protocol/index.ts';
import { AnalyticsService, type AnalyticsOptions } from './AnalyticsService.ts';
import { RedisEventStream } from './RedisEventStream.ts';
import { RedisStoreWriter } from './RedisStoreWriter.ts';

export interface AnalyticsSettings {
	file: string;
	flushMs: number;
	batchSize: number;
	settleMs: number;
	retentionDays: number | null;
	streamMaxLen: number;
	threads: number | null;
	memoryLimit: string | null;
}

export interface AnalyticsRuntime {
	/** The store, or null on a node that does not write it (scale-out). */
	current(): AnalyticsService | null;
	/** Events this node appended to the store / sent to the stream, and those waiting. */
	counts(): { written: number; queued: number; streamed: number };
	/** For /healthz: whether this node's analytics path works (a Redis standby is healthy without a store). */
	health(): AnalyticsHealth;
	close(): Promise<void>;
}

export interface AnalyticsHealth {
	ok: boolean;
	/** `writer`: this node appends to the store; `standby`: another node holds the writer lock. */
	role: 'writer' | 'standby';
	detail?: string;
}

function writerHealth(service: AnalyticsService): AnalyticsHealth {
	if (service.writer.closed) return { ok: false, role: 'writer', detail: 'the analytics writer is closed' };
	if (service.writer.lastWriteFailed) return { ok: false, role: 'writer', detail: 'the latest analytics batch could not be written' };
	return { ok: true, role: 'writer' };
}

interface EventSource {
	on(name: 'event', listener: (event: ClassroomEvent) => void): unknown;
	off(name: 'event', listener: (event: ClassroomEvent) => void): unknown;
}

/**
 * Feeds the bus into the store: directly on a single node; through a Redis stream and one
 * lock-holding writer when REDIS_URL is set (ARCHITECTURE.md, scale-out).
 */
export async function startAnalytics(
	settings: AnalyticsSettings,
	deps: Omit<AnalyticsOptions, 'file' | 'flushMs' | 'batchSize' | 'settleMs' | 'retentionDays' | 'threads' | 'memoryLimit' | 'exportDir'> & {
		dataDir: string;
		bus: EventSource;
		redisUrl?: string;
	}
): Promise<AnalyticsRuntime> {
	const options: AnalyticsOptions = {
		...deps,
		file: settings.file,
		exportDir: path.join(deps.dataDir, 'analytics', 'exports'),
		flushMs: settings.flushMs,
		batchSize: settings.batchSize,
		settleMs: settings.settleMs,
		retentionDays: settings.retentionDays,
		threads: settings.threads ?? undefined,
		memoryLimit: settings.memoryLimit ?? undefined
	};
	if (!deps.redisUrl) {
		const service = await AnalyticsService.open(options);
		const listener = (event: ClassroomEvent) => service.ingest(event);
		deps.bus.on('event', listener);
		return {
			current: () => service,
			counts: () => ({ written: service.writer.written, queued: service.writer.queued, streamed: 0 }),
			health: () => writerHealth(service),
			async close() {
				deps.bus.off('event', listener);
				await service.close();
			}
		};
	}
	const stream = new RedisEventStream(deps.redisUrl, settings.streamMaxLen);
	const writer = new RedisStoreWriter(deps.redisUrl, () => AnalyticsService.open(options));
	const pending = new Set<Promise<void>>();
	const listener = (event: ClassroomEvent) => {
		const added = stream.add(event);
		pending.add(added);
		void added.finally(() => pending.delete(added));
	};
	deps.bus.on('event', listener);
	await writer.start();
	return {
		current: () => writer.service,
		counts: () => ({ written: writer.service?.writer.written ?? 0, queued: (writer.service?.writer.queued ?? 0) + pending.size, streamed: stream.added }),
		health: () => (writer.service ? writerHealth(writer.service) : { ok: true, role: 'standby' }),
		async close() {
			deps.bus.off('event', listener);
			await Promise.all(pending);
			await writer.close();
			await stream.close();
		}
	};
}
