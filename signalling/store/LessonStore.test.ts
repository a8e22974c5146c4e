import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../../core/testing/redisServer.ts';
import { lessonStoreSuite } from './lessonStore.suite.ts';
import type { LessonStore } from './LessonStore.ts';
import { MemoryLessonStore } from './MemoryLessonStore.ts';
import { RedisLessonStore } from './RedisLessonStore.ts';

const memory = new MemoryLessonStore();
lessonStoreSuite('memory', () => memory);

describe('redis (a real redis-server on a free port)', () => {
	let redis: RedisServerHandle;
	const stores: LessonStore[] = [];
	beforeAll(async () => {
		redis = await startRedisServer();
	});
	afterAll(async () => {
		await Promise.all(stores.map((s) => s.close()));
		await redis.stop();
	});
	lessonStoreSuite('redis', () => {
		const store = new RedisLessonStore(redis.url);
		stores.push(store);
		return store;
	});

	it('two nodes see the same state', async () => {
		const a = new RedisLessonStore(redis.url);
		const b = new RedisLessonStore(redis.url);
		stores.push(a, b);
		await a.setStage('les_shared', 'cls_x');
		expect((await b.liveState('les_shared')).stageClassroomId).toBe('cls_x');
	});
});
