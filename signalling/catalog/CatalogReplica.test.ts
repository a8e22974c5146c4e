import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../../core/testing/redisServer.ts';
import { waitFor } from '../../app/testing/harness.ts';
import { RedisCatalogReplica } from './CatalogReplica.ts';
import { CatalogStore } from './CatalogStore.ts';

/** Two nodes' catalogs on one real redis-server. */
describe('the catalog shared through Redis', () => {
	let redis: RedisServerHandle;
	const clients: Redis[] = [];
	const replicas: RedisCatalogReplica[] = [];
	const dirs: string[] = [];

	const node = async () => {
		const dir = await mkdtemp(path.join(tmpdir(), 'cb-catalog-node-'));
		dirs.push(dir);
		const client = new Redis(redis.url);
		clients.push(client);
		const replica = await RedisCatalogReplica.open(client);
		replicas.push(replica);
		const store = await CatalogStore.open(dir);
		await store.replicate(replica);
		return { store, dir };
	};

	beforeAll(async () => {
		redis = await startRedisServer();
	});
	afterAll(async () => {
		for (const r of replicas) await r.close();
		for (const c of clients) c.disconnect();
		await redis.stop();
		await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
	});

	it('a change on one node is on the other, in memory and in its own file; a node joining later takes the shared copy', async () => {
		const a = await node();
		const b = await node();
		const school = await a.store.addSchool('Hillside', 'rural');
		const room = await a.store.addClassroom(school.id, 'Grade 4');
		await waitFor(() => b.store.classroom(room.id), 5000, 'the classroom on node B');
		const lesson = await b.store.addLesson({ title: 'Birds', teacherName: 'Mr Wu', classroomIds: [room.id], linksExpireAt: Date.now() + 60_000 });
		await waitFor(() => a.store.lesson(lesson.id), 5000, 'the lesson on node A');
		const code = lesson.joinCodes[room.id] ?? '';
		expect(a.store.findJoinCode(code)).toEqual({ lessonId: lesson.id, classroomId: room.id });
		// The copy is in memory first and in the file once the write queued behind it is done.
		const lessonsInFileOfA = async () => {
			const file = JSON.parse(await readFile(path.join(a.dir, 'catalog.json'), 'utf8')) as { lessons: { id: string }[] };
			return file.lessons.map((l) => l.id);
		};
		await waitFor(async () => ((await lessonsInFileOfA()).includes(lesson.id) ? true : undefined), 5000, 'the lesson in the file of node A');

		// A node with a catalog of its own joins: the deployment's copy wins.
		const c = await node();
		expect(c.store.lesson(lesson.id)?.title).toBe('Birds');
		await c.store.setLessonStatus(lesson.id, 'ended');
		await waitFor(() => (a.store.lesson(lesson.id)?.status === 'ended' && b.store.lesson(lesson.id)?.status === 'ended' ? true : undefined), 5000, 'ended everywhere');
	});

	it('a copy that is not a catalog is refused, and the node keeps its own', async () => {
		const a = await node();
		const before = a.store.schools().length;
		const publisher = new Redis(redis.url);
		clients.push(publisher);
		await publisher.publish('cb:catalog:changed', `999999\n{"version":2}`);
		await publisher.publish('cb:catalog:changed', 'not a revision');
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(a.store.schools().length).toBe(before);
		await a.store.addSchool('Still works', 'urban');
		expect(a.store.schools().length).toBe(before + 1);
	});
});
