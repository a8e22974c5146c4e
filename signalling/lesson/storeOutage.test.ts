import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unhandledRejections } from '../../core/testing/escapes.ts';
import { createLesson, startTestApp, TestClient, waitFor, type TestApp, type TestLesson } from '../../app/testing/harness.ts';
import { startRedisServer, type RedisServerHandle } from '../../core/testing/redisServer.ts';

/**
 * Work nobody awaits (a leave after the reconnect grace, a room's idle close) fails when Redis goes
 * away: it is logged, never an unhandled rejection, and the node keeps answering.
 */
describe('a Redis outage under background work', () => {
	let t: TestApp;
	let lesson: TestLesson;
	let redis: RedisServerHandle;
	const rejections = unhandledRejections();
	beforeAll(async () => {
		rejections.start();
		redis = await startRedisServer();
		t = await startTestApp({ REDIS_URL: redis.url, RECONNECT_GRACE_MS: '1000' });
		lesson = await createLesson(t, 1);
	});
	afterAll(async () => {
		rejections.stop();
		// Back on the same port, so the app's clients reconnect and it can close cleanly.
		redis = await startRedisServer(Number(new URL(redis.url).port));
		// Every client back before the stop: ioredis sends commands of its own as a connection gets
		// ready (resubscribing, the queued commands) and drops their promises, so a client closed in
		// that moment rejects one nobody can catch. Its reconnect backoff is at most 2 s.
		await waitFor(async () => ((await fetch(`${t.url}/healthz`)).status === 200 ? true : undefined), 10_000, 'redis reachable again');
		await new Promise((r) => setTimeout(r, 2_500));
		await t.stop();
		await redis.stop();
	});

	it('a leave that cannot reach Redis is logged, and nothing escapes', async () => {
		const teacher = new TestClient(t.url, lesson.token('teacher'));
		const room = new TestClient(t.url, lesson.token('classroom', 0));
		await Promise.all([teacher.joinLesson(), room.joinLesson()]);
		await redis.stop();
		room.close();
		// Past the grace the leave runs (lower the hand, publish, broadcast) against a store that is gone.
		await new Promise((r) => setTimeout(r, 4000));
		expect(rejections.escaped.map((e) => (e as Error).stack)).toEqual([]);
		// The node still answers, and tells a load balancer that Redis is down (and nothing else is).
		const health = await fetch(`${t.url}/healthz`);
		expect(health.status).toBe(503);
		const report = (await health.json()) as { checks: Record<string, { ok: boolean }> };
		expect(Object.entries(report.checks).filter(([, c]) => !c.ok).map(([name]) => name)).toEqual(['redis']);
		teacher.close();
		await waitFor(() => (teacher.socket.connected ? undefined : true));
	}, 30_000);
});
