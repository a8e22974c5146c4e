import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unhandledRejections } from '../core/testing/escapes.ts';
import { startRedisServer, type RedisServerHandle } from '../core/testing/redisServer.ts';
import { adapterRedis } from './adapterRedis.ts';

/** Against a real redis-server: PUBLISHes still unanswered when the client closes, as at a node's shutdown. */
describe('adapterRedis: the streams adapter publishes without awaiting; nothing escapes', () => {
	let redis: RedisServerHandle;
	const rejections = unhandledRejections();
	beforeAll(async () => {
		rejections.start();
		redis = await startRedisServer();
	});
	afterAll(async () => {
		rejections.stop();
		await redis.stop();
	});

	it('a PUBLISH flushed by disconnect is handled, and an awaiting caller still gets the error', async () => {
		const client = adapterRedis(redis.url);
		await client.ping();
		expect(await client.publish('cb-test', 'delivered')).toBe(0);
		// Sent and not yet answered when the client closes (a node shutting down while Redis stalls): rejected.
		const admin = new Redis(redis.url);
		await admin.call('CLIENT', 'PAUSE', '1000', 'ALL');
		void client.publish('cb-test', 'dropped like the adapter drops it');
		const awaited = client.publish('cb-test', 'awaited');
		client.disconnect();
		await expect(awaited).rejects.toThrow(/Connection is closed/);
		await new Promise((r) => setTimeout(r, 100));
		expect(rejections.escaped).toEqual([]);
		admin.disconnect();
	}, 10_000);
});
