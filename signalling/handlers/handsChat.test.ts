import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLesson, startTestApp, TestClient, type TestApp, type TestLesson } from '../../app/testing/harness.ts';
import { startRedisServer, type RedisServerHandle } from '../../core/testing/redisServer.ts';

/** The same behaviour with state in memory and in a real redis-server (plus the socket.io adapter). */
describe.each(['memory', 'redis'] as const)('hands and chat (%s store)', (storeKind) => {
	let t: TestApp;
	let lesson: TestLesson;
	let teacher: TestClient;
	let room1: TestClient;
	let room2: TestClient;
	let assistant1: TestClient;
	let redis: RedisServerHandle | undefined;
	beforeAll(async () => {
		if (storeKind === 'redis') redis = await startRedisServer();
		t = await startTestApp(redis ? { REDIS_URL: redis.url } : {});
		expect(t.app.store.kind).toBe(storeKind);
		lesson = await createLesson(t, 2);
		teacher = new TestClient(t.url, lesson.token('teacher'));
		room1 = new TestClient(t.url, lesson.token('classroom', 0));
		room2 = new TestClient(t.url, lesson.token('classroom', 1));
		assistant1 = new TestClient(t.url, lesson.token('assistant', 0));
		await Promise.all([teacher, room1, room2, assistant1].map((c) => c.joinLesson()));
	});
	afterAll(async () => {
		for (const c of [teacher, room1, room2, assistant1]) c.close();
		await t.stop();
		await redis?.stop();
	});

	it('hands queue in raise order with their classroom; raising twice keeps one entry', async () => {
		await room2.ok('hand.raise', {});
		await assistant1.ok('hand.raise', {});
		await room2.ok('hand.raise', {});
		const snap = await teacher.next('lesson.snapshot', (s) => s.hands.length === 2);
		expect(snap.hands.map((h) => [h.classroomId, h.role])).toEqual([
			[lesson.classroomIds[1], 'classroom'],
			[lesson.classroomIds[0], 'assistant']
		]);
		expect(t.events.filter((e) => e.type === 'hand.raised')).toHaveLength(2);
	});

	it("an assistant lowers hands of their own room only; the teacher lowers any", async () => {
		const foreign = await assistant1.send('hand.lower', { participantId: room2.join?.self.id });
		expect(foreign).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		const peerRoom = await room1.send('hand.lower', { participantId: room2.join?.self.id });
		expect(peerRoom).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		await teacher.ok('hand.lower', { participantId: room2.join?.self.id });
		await assistant1.ok('hand.lower', {});
		const snap = await teacher.next('lesson.snapshot', (s) => s.hands.length === 0);
		expect(snap.hands).toEqual([]);
		const lowered = t.events.filter((e) => e.type === 'hand.lowered').map((e) => (e.data as { by: string }).by);
		expect(lowered).toEqual(['teacher', 'self']);
	});

	it('rate-limits hand toggling per sender', async () => {
		const codes: string[] = [];
		for (let i = 0; i < 10; i++) {
			const ack = await room1.send(i % 2 ? 'hand.lower' : 'hand.raise', {});
			codes.push(ack.ok ? 'ok' : ack.error.code);
		}
		// room1 spent one token in the previous test (a refused lower counts too): 5 left of 6.
		expect(codes.slice(0, 5).every((c) => c === 'ok')).toBe(true);
		expect(codes).toContain('rate_limited');
		const other = await room2.send('hand.raise', {});
		expect(other.ok).toBe(true);
	});

	it('chat reaches everyone; muted chat refuses all but the teacher; history survives', async () => {
		const sent = await room1.ok('chat.send', { text: '  我们听得见  ' });
		expect(sent.text).toBe('我们听得见');
		await teacher.next('chat.message', (m) => m.id === sent.id);
		await teacher.ok('chat.setMuted', { muted: true });
		const refused = await room2.send('chat.send', { text: 'hello?' });
		expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		await teacher.ok('chat.send', { text: 'Quiet please' });
		const muteRole = await room1.send('chat.setMuted', { muted: false });
		expect(muteRole).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		await teacher.ok('chat.setMuted', { muted: false });
		const late = new TestClient(t.url, lesson.token('observer'));
		const join = await late.joinLesson();
		expect(join.chat.map((m) => m.text)).toEqual(['我们听得见', 'Quiet please']);
		const observerChat = await late.send('chat.send', { text: 'hi' });
		expect(observerChat).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		late.close();
	});

	it('rate-limits chat per sender', async () => {
		const codes: string[] = [];
		for (let i = 0; i < 8; i++) {
			const ack = await assistant1.send('chat.send', { text: `m${i}` });
			codes.push(ack.ok ? 'ok' : ack.error.code);
		}
		expect(codes.slice(0, 5)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
		expect(codes.at(-1)).toBe('rate_limited');
	});

	it('presence lists everyone with roles; observers stay unseen by count only when online', async () => {
		const snap = teacher.latestSnapshot();
		const roles = snap?.participants.filter((p) => p.online).map((p) => p.role).sort();
		expect(roles).toEqual(['assistant', 'classroom', 'classroom', 'teacher']);
	});
});
