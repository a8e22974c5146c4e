import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../protocol/index.ts';
import { RATE_CLASSES } from './requestRates.ts';
import { addStudent, createLesson, startTestApp, TestClient, waitFor, type TestApp, type TestLesson } from '../app/testing/harness.ts';

/** A flood of requests costs only its sender: refused past its rate, before anyone else hears of it. */
describe('per-participant request rates', () => {
	let t: TestApp;
	let lesson: TestLesson;
	let teacher: TestClient;
	let room2: TestClient;
	beforeAll(async () => {
		t = await startTestApp();
		lesson = await createLesson(t, 2);
		teacher = new TestClient(t.url, lesson.token('teacher'));
		room2 = new TestClient(t.url, lesson.token('classroom', 1));
		await Promise.all([teacher.joinLesson(), room2.joinLesson()]);
	});
	afterAll(async () => {
		teacher.close();
		room2.close();
		await t.stop();
	});

	it('a student re-joining 3,000 times gets a handful of joins; the teacher sees a handful of snapshots', async () => {
		const student = await addStudent(t, lesson, 0, 'Wang Fang');
		const phone = new TestClient(t.url, student.token);
		await phone.connected();
		const snapshotsBefore = teacher.all('lesson.snapshot').length;
		const joinsBefore = t.events.filter((e) => e.type === 'participant.joined').length;
		const acks = await Promise.all(Array.from({ length: 3000 }, () => phone.raw('lesson.join', { protocol: PROTOCOL_VERSION })));
		const ok = acks.filter((a) => a.ok).length;
		const limited = acks.filter((a) => !a.ok && a.error.code === 'rate_limited').length;
		expect(ok).toBeGreaterThan(0);
		expect(ok).toBeLessThanOrEqual(RATE_CLASSES.join.burst);
		expect(ok + limited).toBe(3000);
		await new Promise((r) => setTimeout(r, 300));
		expect(teacher.all('lesson.snapshot').length - snapshotsBefore).toBeLessThanOrEqual(RATE_CLASSES.join.burst);
		expect(t.events.filter((e) => e.type === 'participant.joined').length - joinsBefore).toBeLessThanOrEqual(RATE_CLASSES.join.burst);
		phone.close();
	});

	it('a classroom flooding hand changes is refused; another room raising its hand meanwhile is not', async () => {
		const room1 = new TestClient(t.url, lesson.token('classroom', 0));
		await room1.joinLesson();
		const flood = await Promise.all(Array.from({ length: 200 }, (_, i) => room1.raw(i % 2 ? 'hand.lower' : 'hand.raise', {})));
		expect(flood.filter((a) => !a.ok && a.error.code === 'rate_limited').length).toBeGreaterThan(150);
		expect(await room2.send('hand.raise', {})).toMatchObject({ ok: true });
		await waitFor(() => teacher.latestSnapshot()?.hands.some((h) => h.participantId === room2.join?.self.id) || undefined);
		room1.close();
	});

	it('a reconnect does not refill the bucket: the limit follows the participant, not the socket', async () => {
		const assistant = new TestClient(t.url, lesson.token('assistant', 1));
		await assistant.joinLesson();
		const first = await Promise.all(Array.from({ length: 50 }, () => assistant.raw('poll.state', {})));
		expect(first.some((a) => !a.ok && a.error.code === 'rate_limited')).toBe(true);
		assistant.close();
		const again = new TestClient(t.url, lesson.token('assistant', 1));
		await again.joinLesson();
		expect(await again.send('poll.state', {})).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
		again.close();
	});
});

describe('requests the dispatcher must answer (or drop) without effect', () => {
	let t: TestApp;
	let lesson: TestLesson;
	let room: TestClient;
	beforeAll(async () => {
		t = await startTestApp();
		lesson = await createLesson(t, 1);
		room = new TestClient(t.url, lesson.token('classroom', 0));
		await room.joinLesson();
	});
	afterAll(async () => {
		room.close();
		await t.stop();
	});

	it('answers names that live on Object.prototype as unknown requests', async () => {
		for (const name of ['toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf', '__defineGetter__']) {
			const ack = await room.raw(name, {});
			expect(ack, name).toMatchObject({ ok: false, error: { code: 'invalid' } });
		}
	});

	it('answers a request sent with an ack but no payload', async () => {
		const noPayload = (name: string) => room.socket.timeout(5000).emitWithAck(name);
		expect(await noPayload('poll.state')).toMatchObject({ ok: true });
		expect(await noPayload('chat.send')).toMatchObject({ ok: false, error: { code: 'invalid' } });
	});

	it('drops a request without an ack and changes nothing', async () => {
		room.socket.emit('hand.raise', {});
		room.socket.emit('hand.raise');
		await new Promise((r) => setTimeout(r, 200));
		expect(await t.app.store.hands(lesson.lesson.id)).toEqual([]);
		expect(room.socket.connected).toBe(true);
	});
});
