import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCatalog } from './testing/MemoryCatalog.ts';
import { EventBus } from '../core/EventBus.ts';
import { AnalyticsService } from './AnalyticsService.ts';
import { AnalyticsStore } from './AnalyticsStore.ts';
import { MIGRATIONS } from './schema.ts';

let dir: string;
beforeAll(async () => {
	dir = await mkdtemp(path.join(tmpdir(), 'cb-analytics-'));
});
afterAll(async () => {
	await rm(dir, { recursive: true, force: true });
});

async function open(catalog: MemoryCatalog, file: string) {
	return AnalyticsService.open({
		file,
		exportDir: path.join(dir, 'exports'),
		flushMs: 50,
		batchSize: 1000,
		settleMs: 3_600_000,
		retentionDays: null,
		homePage: 'http://classbridge.test',
		secret: new Uint8Array(32).fill(7),
		catalog,
		signApiToken: async (id) => `signed-${id}`
	});
}

describe('analytics store', () => {
	it('applies the migrations once and records the schema version', async () => {
		const file = path.join(dir, 'schema.duckdb');
		const first = await AnalyticsStore.open(file);
		expect(await first.schemaVersion).toBe(MIGRATIONS.at(-1)?.version);
		first.close();
		const again = await AnalyticsStore.open(file);
		const rows = await again.all<{ version: number }>('SELECT version FROM schema_version ORDER BY version');
		expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
		again.close();
	});

	it('applies the thread and memory settings', async () => {
		const store = await AnalyticsStore.open(':memory:', { threads: 1, memoryLimit: '256MB' });
		const row = await store.one<{ threads: number; memory: string }>("SELECT current_setting('threads') AS threads, current_setting('memory_limit') AS memory");
		expect(row?.threads).toBe(1);
		expect(row?.memory).toMatch(/^2\d\d(\.\d+)? MiB$/);
		store.close();
	});

	it('appends bus events in batches, strips names, keeps event types it does not know, and survives a reopen', async () => {
		const catalog = new MemoryCatalog();
		const file = path.join(dir, 'append.duckdb');
		const analytics = await open(catalog, file);
		const bus = new EventBus();
		bus.on('event', (e) => analytics.ingest(e));
		const t0 = Date.UTC(2026, 2, 2, 8, 0, 0);
		const who = { actor: 'stu_1', role: 'student' as const, classroomId: 'cls_a' };
		bus.publish('les_1', 'participant.joined', who, { displayName: 'Li Wei', rejoin: false, joinedAt: t0 }, t0);
		bus.publish('les_1', 'hand.raised', who, { participantId: 'stu_1' }, t0 + 1000);
		// A type this build has no schema for (added by another part later) goes in as it is.
		analytics.ingest({ v: 1, id: 'x-1', lessonId: 'les_1', at: t0 + 2000, type: 'recording.started', actor: 'system', role: 'system', classroomId: null, data: { segment: 3 } });
		expect(analytics.writer.queued).toBe(3);
		await analytics.writer.flush();
		expect(analytics.writer.written).toBe(3);
		const rows = await analytics.store.all<{ type: string; data: string; actor: string }>('SELECT type, actor, data FROM events ORDER BY seq');
		expect(rows.map((r) => r.type)).toEqual(['participant.joined', 'hand.raised', 'recording.started']);
		expect(rows[0]?.data).not.toContain('Li Wei');
		expect(JSON.parse(rows[2]?.data ?? '{}')).toEqual({ segment: 3 });
		const span = await analytics.store.one<{ first_at: number; last_at: number; events: number }>("SELECT * FROM lesson_spans WHERE lesson_id = 'les_1'");
		expect(span).toMatchObject({ first_at: t0, last_at: t0 + 2000, events: 3 });
		await analytics.close();

		const reopened = await open(catalog, file);
		bus.removeAllListeners();
		bus.on('event', (e) => reopened.ingest(e));
		bus.publish('les_1', 'chat.sent', who, { messageId: 'm1', length: 5, text: 'hello', displayName: 'Ming' }, t0 + 3000);
		await reopened.writer.flush();
		const seqs = await reopened.store.all<{ seq: number }>('SELECT seq FROM events ORDER BY seq');
		expect(seqs.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
		await reopened.close();
	});
});
