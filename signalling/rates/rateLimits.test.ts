import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../../core/testing/redisServer.ts';
import { startTestApp, waitFor, type TestApp } from '../../app/testing/harness.ts';
import { JOIN_ADDRESS_BURST } from '../http/joinLimits.ts';
import { RATE_CLASSES, RequestRates } from '../requestRates.ts';
import { fixedWindow, memoryBuckets, memoryWindows, type RateLimit } from './rateLimits.ts';
import { RATE_KEY_PREFIX, RedisRateLimits } from './RedisRateLimits.ts';

const takes = async (limit: RateLimit, key: string, count: number) => {
	const answers: boolean[] = [];
	for (let i = 0; i < count; i++) answers.push(await limit.take(key));
	return answers;
};
const allowed = (answers: boolean[]) => answers.filter(Boolean).length;

describe('rate limits in memory (no REDIS_URL)', () => {
	it('a token bucket and a fixed window both give a key its burst, and other keys their own', async () => {
		for (const factory of [memoryBuckets, memoryWindows]) {
			const limit = factory('test', { burst: 5, perSecond: 0.5 });
			expect(await takes(limit, 'a', 7)).toEqual([true, true, true, true, true, false, false]);
			expect(await limit.take('b')).toBe(true);
		}
	});

	it('keeps the long-run rate in the windows it counts', () => {
		expect(fixedWindow({ burst: 300, perSecond: 3 })).toEqual({ points: 300, duration: 100 });
		expect(fixedWindow({ burst: 6, perSecond: 1 / 300 })).toEqual({ points: 6, duration: 1800 });
		expect(fixedWindow({ burst: 60, perSecond: 20 })).toEqual({ points: 60, duration: 3 });
	});

	it('requests: a chat flood is refused with its message; the teacher has a larger budget', async () => {
		const rates = new RequestRates();
		const student = await Promise.all(Array.from({ length: 8 }, () => rates.take('chat.send', 'student', 'L:s1')));
		expect(student.filter((r) => r === null)).toHaveLength(RATE_CLASSES.chat.burst);
		expect(student.at(-1)).toBe(RATE_CLASSES.chat.message);
		const teacher = await Promise.all(Array.from({ length: 8 }, () => rates.take('chat.send', 'teacher', 'L:t')));
		expect(teacher.every((r) => r === null)).toBe(true);
	});
});

describe('rate limits shared through Redis', () => {
	let redis: RedisServerHandle;
	let raw: Redis;
	let nodeA: RedisRateLimits;
	let nodeB: RedisRateLimits;
	beforeAll(async () => {
		redis = await startRedisServer();
		raw = new Redis(redis.url);
		// Its reconnect errors while Redis is stopped are expected.
		raw.on('error', () => undefined);
		nodeA = new RedisRateLimits(redis.url);
		nodeB = new RedisRateLimits(redis.url);
		await waitFor(() => nodeA.shared && nodeB.shared, 5000, 'both nodes on Redis');
	});
	afterAll(async () => {
		await nodeA.close();
		await nodeB.close();
		raw.disconnect();
		await redis.stop();
	});

	it('two nodes spend one budget per key, under a key prefixed by its purpose', async () => {
		const budget = { burst: 20, perSecond: 0.5 };
		const onA = nodeA.limit('join-device', budget);
		const onB = nodeB.limit('join-device', budget);
		expect(allowed(await takes(onA, 'student-1', 12))).toBe(12);
		expect(await takes(onB, 'student-1', 10)).toEqual([...Array(8).fill(true), false, false]);
		expect(await onA.take('student-1')).toBe(false);
		expect(await raw.get(`${RATE_KEY_PREFIX}join-device:student-1`)).toBe('23');
		// Another key, and the same key for another purpose, have budgets of their own.
		expect(await onB.take('student-2')).toBe(true);
		expect(await nodeB.limit('join-claim', budget).take('student-1')).toBe(true);
	});

	it('requests: a participant flooding chat on two nodes gets one burst in all', async () => {
		const [a, b] = [new RequestRates(1, nodeA.limit), new RequestRates(1, nodeB.limit)];
		const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).take('chat.send', 'student', 'L:s1')));
		expect(answers.filter((r) => r === null)).toHaveLength(RATE_CLASSES.chat.burst);
		expect(answers.filter((r) => r === RATE_CLASSES.chat.message)).toHaveLength(10 - RATE_CLASSES.chat.burst);
		expect(await raw.exists(`${RATE_KEY_PREFIX}request-other-chat:L:s1`)).toBe(1);
	});

	it('while Redis is away each node counts on its own, answers at once, and shares again when it is back', async () => {
		const escaped: unknown[] = [];
		const onEscape = (error: unknown) => escaped.push(error);
		process.on('unhandledRejection', onEscape);
		try {
			const budget = { burst: 5, perSecond: 0.1 };
			const [onA, onB] = [nodeA.limit('outage', budget), nodeB.limit('outage', budget)];
			expect(allowed(await takes(onA, 'k', 5))).toBe(5);
			expect(await onB.take('k')).toBe(false);

			await redis.stop();
			const started = Date.now();
			// Each node's memory counts from nothing: a key gets one burst per node, and no more.
			expect(await takes(onA, 'k', 7)).toEqual([true, true, true, true, true, false, false]);
			expect(allowed(await takes(onB, 'k', 7))).toBe(5);
			expect(Date.now() - started).toBeLessThan(3000);
			expect(nodeA.shared).toBe(false);

			redis = await startRedisServer(Number(new URL(redis.url).port));
			await waitFor(() => nodeA.shared && nodeB.shared, 10_000, 'both nodes back on Redis');
			const after = [nodeA.limit('after', budget), nodeB.limit('after', budget)] as const;
			expect(allowed(await takes(after[0], 'k', 3))).toBe(3);
			expect(await takes(after[1], 'k', 3)).toEqual([true, true, false]);
			expect(escaped).toEqual([]);
		} finally {
			process.off('unhandledRejection', onEscape);
		}
	}, 30_000);
});

/** The composed app: JoinLimits behind two nodes on one Redis, through the public join route. */
describe('two nodes on one Redis count one network together', () => {
	let redis: RedisServerHandle;
	let raw: Redis;
	let nodes: [TestApp, TestApp];
	beforeAll(async () => {
		redis = await startRedisServer();
		raw = new Redis(redis.url);
		// Its reconnect errors while Redis is stopped are expected.
		raw.on('error', () => undefined);
		nodes = [await startTestApp({ REDIS_URL: redis.url, TRUST_PROXY: '1' }), await startTestApp({ REDIS_URL: redis.url, TRUST_PROXY: '1' })];
	});
	afterAll(async () => {
		for (const node of nodes) await node.stop();
		raw.disconnect();
		await redis.stop();
	});

	const lookup = async (node: TestApp, address: string) =>
		(await fetch(`${node.url}/api/join/NOSUCH1`, { headers: { 'x-forwarded-for': address } })).status;

	let probe = 0;
	/** Until a node's Redis client is ready it counts in memory: waits until every node counts in Redis. */
	const countingInRedis = async (timeoutMs: number, what: string) => {
		for (const node of nodes) {
			await waitFor(async () => {
				const address = `192.0.2.${++probe}`;
				await lookup(node, address);
				return (await raw.exists(`${RATE_KEY_PREFIX}join-address:${address}`)) === 1;
			}, timeoutMs, what);
		}
	};

	it('an address that spent its budget on one node is refused on the other; Redis away, both still answer', async () => {
		await countingInRedis(5000, 'the nodes counting in Redis');
		const school = '198.51.100.7';
		const half = JOIN_ADDRESS_BURST / 2;
		const statuses: number[] = [];
		for (let i = 0; i < JOIN_ADDRESS_BURST; i++) statuses.push(await lookup(nodes[i < half ? 0 : 1], school));
		expect(statuses.every((s) => s === 404)).toBe(true);
		expect(await lookup(nodes[0], school)).toBe(429);
		expect(await lookup(nodes[1], school)).toBe(429);
		expect(await lookup(nodes[1], '203.0.113.9')).toBe(404);

		await redis.stop();
		expect(await lookup(nodes[0], '203.0.113.10')).toBe(404);
		expect(await lookup(nodes[1], '203.0.113.10')).toBe(404);
		// Back on the same port, so the nodes' clients reconnect and close cleanly.
		redis = await startRedisServer(Number(new URL(redis.url).port));
		// Closed before its clients are back, a node would cut ioredis's own resubscribe (socket.io's
		// adapter), whose promise nobody observes: wait until both count in Redis again, then a little.
		await countingInRedis(10_000, 'the nodes counting in Redis again');
		await new Promise((resolve) => setTimeout(resolve, 1000));
	}, 60_000);
});
