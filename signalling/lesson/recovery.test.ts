import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLesson, startTestApp, TestClient, waitFor, type TestApp, type TestLesson } from '../../app/testing/harness.ts';
import { setUpMedia } from '../testing/fakeMedia.ts';

describe('recovery', () => {
	let t: TestApp;
	let lesson: TestLesson;
	beforeAll(async () => {
		t = await startTestApp();
		lesson = await createLesson(t, 2);
	});
	afterAll(() => t.stop());

	it('a dropped classroom rejoins with the same identity; stage, hands and chat are intact', async () => {
		const teacher = new TestClient(t.url, lesson.token('teacher'));
		const room = new TestClient(t.url, lesson.token('classroom', 1));
		await Promise.all([teacher.joinLesson(), room.joinLesson()]);
		const cid = lesson.classroomIds[1] ?? '';
		await room.ok('hand.raise', {});
		await room.ok('chat.send', { text: 'can you hear us' });
		await teacher.ok('stage.set', { classroomId: cid });
		const firstId = room.join?.self.id;
		room.close();
		await teacher.next('lesson.snapshot', (s) => s.participants.some((p) => p.id === firstId && !p.online));

		const again = new TestClient(t.url, lesson.token('classroom', 1));
		const join = await again.joinLesson();
		expect(join.self.id).toBe(firstId);
		expect(join.lesson.stageClassroomId).toBe(cid);
		expect(join.lesson.hands.map((h) => h.participantId)).toEqual([firstId]);
		expect(join.chat.map((m) => m.text)).toEqual(['can you hear us']);
		const joined = t.events.filter((e) => e.type === 'participant.joined' && e.actor === firstId);
		expect(joined.map((e) => (e.data as { rejoin: boolean }).rejoin)).toEqual([false, true]);
		expect(t.events.some((e) => e.type === 'participant.left' && e.actor === firstId)).toBe(false);
		teacher.close();
		again.close();
	});

	it('after the grace period a participant leaves and their hand goes down', async () => {
		const teacher = new TestClient(t.url, lesson.token('teacher'));
		const room = new TestClient(t.url, lesson.token('classroom', 0));
		await Promise.all([teacher.joinLesson(), room.joinLesson()]);
		await room.ok('hand.raise', {});
		const id = room.join?.self.id;
		room.close();
		await waitFor(() => t.events.find((e) => e.type === 'participant.left' && e.actor === id), 8000, 'participant.left');
		const snap = await teacher.next('lesson.snapshot', (s) => !s.hands.some((h) => h.participantId === id));
		expect(snap.hands.some((h) => h.participantId === id)).toBe(false);
		teacher.close();
	});

	it('when the last participant is gone, the session and its router are released; state stays', async () => {
		const idle = await createLesson(t, 1);
		const teacher = new TestClient(t.url, idle.token('teacher'));
		await teacher.joinLesson();
		await teacher.ok('chat.send', { text: 'see you tomorrow' });
		expect(t.app.signalling.sessions.has(idle.lesson.id)).toBe(true);
		expect(await t.app.sfu.existingLessonMedia(idle.lesson.id)).toBeDefined();
		teacher.close();
		await waitFor(() => !t.app.signalling.sessions.has(idle.lesson.id) || undefined, 10_000, 'session released');
		expect(await t.app.sfu.existingLessonMedia(idle.lesson.id)).toBeUndefined();
		const back = new TestClient(t.url, idle.token('teacher'));
		const join = await back.joinLesson();
		expect(join.chat.map((m) => m.text)).toEqual(['see you tomorrow']);
		back.close();
	});

	it('the same link opened twice: the older connection is told it was replaced', async () => {
		const first = new TestClient(t.url, lesson.token('assistant', 0));
		await first.joinLesson();
		const second = new TestClient(t.url, lesson.token('assistant', 0));
		await second.joinLesson();
		await first.next('session.replaced');
		await waitFor(() => !first.socket.connected || undefined, 5000, 'old socket closed');
		expect(second.socket.connected).toBe(true);
		first.close();
		second.close();
	});

	it('a mediasoup worker death: new router on a new worker, clients told to rebuild, media works again', async () => {
		const teacher = new TestClient(t.url, lesson.token('teacher'));
		const room = new TestClient(t.url, lesson.token('classroom', 0));
		await Promise.all([teacher.joinLesson(), room.joinLesson()]);
		const before = await setUpMedia(teacher, ['mic', 'camera']);
		await setUpMedia(room, ['mic']);
		await room.next('media.consumer', (o) => o.producerId === before.producers.camera);
		const media = await t.app.sfu.existingLessonMedia(lesson.lesson.id);
		const deadPid = media?.router ? t.app.sfu.pool.slots[0]?.worker.pid : undefined;
		expect(deadPid).toBeGreaterThan(0);
		process.kill(deadPid ?? 0, 'SIGKILL');

		await Promise.all([teacher.next('media.reset'), room.next('media.reset')]);
		expect(t.events.some((e) => e.type === 'media.reset')).toBe(true);
		await waitFor(() => (t.app.sfu.pool.slots[0]?.worker.pid !== deadPid && t.app.sfu.pool.slots.length === 1) || undefined, 10_000, 'respawned worker');
		const snap = await teacher.next('lesson.snapshot', (s) => s.tracks.length === 0);
		expect(snap.tracks).toEqual([]);

		// Clients rebuild: join again on the same socket, new transports, produce, consume.
		room.received.length = 0;
		await Promise.all([teacher.joinLesson(), room.joinLesson()]);
		const after = await setUpMedia(teacher, ['mic', 'camera']);
		await setUpMedia(room, ['mic']);
		await room.next('media.consumer', (o) => o.producerId === after.producers.camera);
		const health = await (await fetch(`${t.url}/healthz`)).json();
		expect(health).toMatchObject({ ok: true, checks: { workers: { ok: true, detail: '1 mediasoup worker(s)' } } });
		const metrics = await (await fetch(`${t.url}/metrics`)).text();
		expect(metrics).toMatch(/classbridge_mediasoup_worker_deaths_total 1/);
		expect(metrics).toMatch(/classbridge_mediasoup_consumers [1-9]/);
		teacher.close();
		room.close();
	});
});
