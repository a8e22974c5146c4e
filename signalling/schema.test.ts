import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLesson, startTestApp, TestClient, type TestApp, type TestLesson } from '../app/testing/harness.ts';

describe('schema rejection', () => {
	let t: TestApp;
	let lesson: TestLesson;
	let teacher: TestClient;
	beforeAll(async () => {
		t = await startTestApp();
		lesson = await createLesson(t, 2);
		teacher = new TestClient(t.url, lesson.token('teacher'));
		await teacher.joinLesson();
	});
	afterAll(async () => {
		teacher.close();
		await t.stop();
	});

	const bad: [string, unknown][] = [
		['stage.set', { classroomId: 42 }],
		['stage.set', { classroomId: '../../etc' }],
		['stage.set', null],
		['chat.send', { text: '' }],
		['chat.send', { text: 'x'.repeat(501) }],
		['chat.send', { text: 'hi', extra: true }],
		['chat.setMuted', { muted: 'yes' }],
		['media.createTransport', { direction: 'sideways' }],
		['media.produce', { transportId: 'not-a-uuid', kind: 'audio', source: 'mic', rtpParameters: { codecs: [] } }],
		['media.setPreferredLayers', { consumerId: '6f1c1f1e-9a52-4a6e-9a53-0d0f3f0c0a11', spatialLayer: 7 }],
		['lesson.join', { protocol: 999 }],
		['poll.open', { spec: { kind: 'single', question: '', options: ['a', 'b'] } }],
		['poll.open', { spec: { kind: 'single', question: 'q', options: ['a', 'b'] }, pollId: 'pol_x' }],
		['poll.tally', { pollId: 'pol_x', classroomId: 'cls_x', counts: [-1, 2] }],
		['lesson.setStudentChat', { mode: 'loud' }],
		['classList.add', { names: [] }],
		// Control and bidi characters are dropped from names; one made of nothing else is no name.
		['classList.rename', { studentId: 'stu_x', name: '\u0007\u202E\u200B' }],
		['classList.remove', { studentIds: [] }],
		['classList.approveClaim', { claimId: '../x' }],
		['recording.start', { now: true }],
		['recording.stop', { reason: 'because' }],
		['lesson.end', { at: 0 }]
	];

	for (const [name, payload] of bad) {
		it(`${name} ${JSON.stringify(payload)?.slice(0, 60)} → invalid, nothing changes`, async () => {
			const before = await t.app.store.liveState(lesson.lesson.id);
			const eventsBefore = t.events.length;
			const ack = await teacher.raw(name, payload);
			expect(ack.ok).toBe(false);
			if (!ack.ok) {
				expect(ack.error.code).toBe('invalid');
				expect(ack.error.message.length).toBeGreaterThan(5);
			}
			const after = await t.app.store.liveState(lesson.lesson.id);
			expect({ ...after, version: 0 }).toEqual({ ...before, version: 0 });
			expect(t.events.length).toBe(eventsBefore);
		});
	}

	it('answers an unknown request with invalid', async () => {
		const ack = await teacher.raw('lesson.explode', {});
		expect(ack).toMatchObject({ ok: false, error: { code: 'invalid' } });
	});

	it('refuses a request before lesson.join', async () => {
		const room = new TestClient(t.url, lesson.token('classroom', 0));
		await room.connected();
		const ack = await room.raw('hand.raise', {});
		expect(ack).toMatchObject({ ok: false, error: { code: 'conflict' } });
		room.close();
	});

	it('refuses a stage for a classroom outside the lesson', async () => {
		const ack = await teacher.raw('stage.set', { classroomId: 'cls_notthere' });
		expect(ack).toMatchObject({ ok: false, error: { code: 'not_found' } });
	});
});
