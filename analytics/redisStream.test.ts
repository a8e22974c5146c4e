import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLesson, startTestApp, TestClient, waitFor, type TestApp } from '../app/testing/harness.ts';
import { startRedisServer, type RedisServerHandle } from '../core/testing/redisServer.ts';
import type { LessonDashboard } from '../protocol/index.ts';
import { AnalyticsService } from './AnalyticsService.ts';
import { ANALYTICS_STREAM_KEY, RedisEventStream } from './RedisEventStream.ts';
import { ANALYTICS_STREAM_CONSUMER, ANALYTICS_STREAM_GROUP, RedisStoreWriter } from './RedisStoreWriter.ts';

/** REDIS_URL set: events go through a Redis stream (real redis-server) to the one node that writes the store. */
describe('analytics through a Redis stream', () => {
	let redis: RedisServerHandle;
	let t: TestApp;
	let dir: string;
	let standby: RedisStoreWriter;
	let successor: RedisStoreWriter | undefined;
	const otherNode: { stream?: RedisEventStream } = {};

	beforeAll(async () => {
		redis = await startRedisServer();
		dir = await mkdtemp(path.join(tmpdir(), 'cb-analytics-redis-'));
		t = await startTestApp({ REDIS_URL: redis.url, ANALYTICS_FLUSH_MS: '50' });
	});
	afterAll(async () => {
		await successor?.close();
		await standby?.close();
		await otherNode.stream?.close();
		await t.stop().catch(() => undefined);
		await redis.stop();
		await rm(dir, { recursive: true, force: true });
	});

	const stored = (service: AnalyticsService, lessonId: string) =>
		service.store.all<{ id: string }>(`SELECT id FROM events WHERE lesson_id = '${lessonId}' ORDER BY seq`).then((rows) => rows.map((r) => r.id));

	it('appends every event of a live lesson through the stream, once', async () => {
		const service = await waitFor(() => t.app.analytics.current() ?? undefined, 5000, 'the writer lock');
		const lesson = await createLesson(t, 2);
		const teacher = new TestClient(t.url, lesson.token('teacher'));
		const room = new TestClient(t.url, lesson.token('classroom', 1));
		await Promise.all([teacher.joinLesson(), room.joinLesson()]);
		await room.ok('hand.raise', {});
		await teacher.ok('chat.send', { text: 'hello' });
		const published = () => t.events.filter((e) => e.lessonId === lesson.lesson.id).map((e) => e.id);
		await waitFor(async () => ((await stored(service, lesson.lesson.id)).length === published().length ? true : undefined), 5000, 'events in the store');
		expect(await stored(service, lesson.lesson.id)).toEqual(published());
		expect(t.app.analytics.counts().streamed).toBeGreaterThanOrEqual(published().length);

		const admin = new URL(t.app.adminUrl).searchParams.get('token');
		const res = await fetch(`${t.url}/api/analytics/lessons/${lesson.lesson.id}`, { headers: { authorization: `Bearer ${admin}` } });
		const dash = (await res.json()) as LessonDashboard;
		expect(dash.interaction.find((r) => r.classroomId === lesson.classroomIds[1])).toMatchObject({ hands: 1 });
		teacher.close();
		room.close();
	});

	it('takes events from another node into the same store', async () => {
		const service = t.app.analytics.current()!;
		otherNode.stream = new RedisEventStream(redis.url, 10_000);
		const at = Date.now();
		for (let i = 0; i < 25; i++) {
			await otherNode.stream.add({ v: 1, id: `other-${i}`, lessonId: 'les_other_node', at: at + i, type: 'chat.sent', actor: 'stu_x', role: 'student', classroomId: 'cls_x', data: { messageId: `m${i}`, length: 3 } });
		}
		// A malformed entry is dropped, not stored, and does not stop the writer.
		await otherNode.stream.add({ v: 1, id: 'bad', lessonId: 'not an id!', at, type: 'chat.sent', actor: 'x', role: 'student', classroomId: null, data: {} });
		await waitFor(async () => ((await stored(service, 'les_other_node')).length === 25 ? true : undefined), 5000, 'the other node’s events');
	});

	const standbyOptions = () => ({
		file: path.join(dir, 'standby.duckdb'),
		exportDir: path.join(dir, 'exports'),
		flushMs: 20,
		batchSize: 100,
		settleMs: 3_600_000,
		retentionDays: null,
		homePage: 'http://classbridge.test',
		secret: new Uint8Array(32).fill(1),
		catalog: t.app.catalog,
		signApiToken: async (id: string) => id
	});

	it('hands the store to a standby node when the writer goes, starting with what was left unread', async () => {
		standby = new RedisStoreWriter(redis.url, () => AnalyticsService.open(standbyOptions()));
		await standby.start();
		expect(standby.service).toBeNull();
		await t.stop();
		const at = Date.now();
		for (let i = 0; i < 10; i++) {
			await otherNode.stream!.add({ v: 1, id: `after-${i}`, lessonId: 'les_after', at: at + i, type: 'hand.raised', actor: 'stu_y', role: 'student', classroomId: 'cls_y', data: { participantId: 'stu_y' } });
		}
		const service = await waitFor(() => standby.service ?? undefined, 10_000, 'the standby to take the lock');
		await waitFor(async () => ((await stored(service, 'les_after')).length === 10 ? true : undefined), 5000, 'events in the standby store');
	});

	it('stores once what a writer stored but never acknowledged before it died', async () => {
		await standby.close();
		const raw = new Redis(redis.url);
		try {
			const at = Date.now();
			const events = Array.from({ length: 6 }, (_, i) => ({ v: 1, id: `unacked-${i}`, lessonId: 'les_unacked', at: at + i, type: 'hand.raised', actor: 'stu_z', role: 'student', classroomId: 'cls_z', data: { participantId: 'stu_z' } }));
			for (const event of events) await raw.xadd(ANALYTICS_STREAM_KEY, '*', 'e', JSON.stringify(event));
			// The dying writer: it read all six, committed the first four to the store, and never sent XACK.
			await raw.xreadgroup('GROUP', ANALYTICS_STREAM_GROUP, ANALYTICS_STREAM_CONSUMER, 'COUNT', 100, 'STREAMS', ANALYTICS_STREAM_KEY, '>');
			const dying = await AnalyticsService.open({ ...standbyOptions(), background: false });
			for (const event of events.slice(0, 4)) dying.ingest(event);
			await dying.close();

			successor = new RedisStoreWriter(redis.url, () => AnalyticsService.open(standbyOptions()));
			await successor.start();
			const service = await waitFor(() => successor?.service ?? undefined, 10_000, 'the successor to take the lock');
			await waitFor(async () => ((await raw.xpending(ANALYTICS_STREAM_KEY, ANALYTICS_STREAM_GROUP))[0] === 0 ? true : undefined), 5000, 'every entry acknowledged');
			expect(await stored(service, 'les_unacked')).toEqual(events.map((e) => e.id));
		} finally {
			raw.disconnect();
		}
	});
});
