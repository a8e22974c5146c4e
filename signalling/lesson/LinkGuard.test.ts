import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLesson, startTestApp, TestClient, waitFor, type TestApp, type TestLesson } from '../../app/testing/harness.ts';
import { setUpMedia } from '../testing/fakeMedia.ts';
import { MIN_VIDEO_BPS, RECOVER_AFTER_MS, type LinkReading } from './LinkFallback.ts';
import type { LessonSession } from './LessonSession.ts';
import { SAMPLE_MS, SUSPICIOUS_SAMPLE_MS } from './LinkGuard.ts';

const poor: LinkReading = { availableBitrate: MIN_VIDEO_BPS / 2, lossFraction: 0.12, hasVideo: true, videoStarved: false };
const lossyAudio: LinkReading = { availableBitrate: 60_000, lossFraction: 0.1, hasVideo: false, videoStarved: false };
const cleanAudio: LinkReading = { ...lossyAudio, lossFraction: 0 };

/**
 * The link guard through the real server: a real worker, real socket.io clients. The readings are
 * the test's (the decision is LinkFallback's, tested apart); what is checked is what a fallback does
 * to the lesson: the event, the snapshot, and which consumers go and come back.
 */
describe('link guard: a weak room falls back to audio + slides + board and comes back', () => {
	let t: TestApp;
	let lesson: TestLesson;
	let teacher: TestClient;
	let weak: TestClient;
	let other: TestClient;
	let session: LessonSession;
	let teacherMedia: Awaited<ReturnType<typeof setUpMedia>>;
	let weakMedia: Awaited<ReturnType<typeof setUpMedia>>;

	/** The producers a client receives now (offers not closed since). */
	const receiving = (client: TestClient) => {
		const closed = new Set(client.all('media.consumerClosed').map((c) => c.consumerId));
		return new Set(client.all('media.consumer').filter((o) => !closed.has(o.consumerId)).map((o) => o.producerId));
	};

	const roomPeer = (classroomId: string) => [...session.peers.values()].find((p) => p.participant.role === 'classroom' && p.participant.classroomId === classroomId)!;

	beforeAll(async () => {
		t = await startTestApp();
		lesson = await createLesson(t, 2);
		teacher = new TestClient(t.url, lesson.token('teacher'));
		weak = new TestClient(t.url, lesson.token('classroom', 0));
		other = new TestClient(t.url, lesson.token('classroom', 1));
		await Promise.all([teacher.joinLesson(), weak.joinLesson(), other.joinLesson()]);
		teacherMedia = await setUpMedia(teacher, ['mic', 'camera', 'screen']);
		weakMedia = await setUpMedia(weak, ['mic', 'camera']);
		await setUpMedia(other, ['mic', 'camera']);
		session = t.app.signalling.sessions.get(lesson.lesson.id) as LessonSession;
		// Only this test's readings drive the guard (no RTP flows here to measure).
		session.linkGuard.stop();
		const all = Object.values(teacherMedia.producers);
		await waitFor(() => all.every((id) => receiving(weak).has(id) && receiving(other).has(id)), 10_000, 'rooms receive the teacher');
	});
	afterAll(async () => {
		for (const c of [teacher, weak, other]) c.close();
		await t.stop();
	});

	it('after sustained weak samples the room keeps only audio; the other room and the teacher are untouched', async () => {
		const room = lesson.classroomIds[0] as string;
		const key = weakMedia.recvTransportId;
		const start = Date.now();
		expect(session.linkGuard.nextSampleMs, 'clean links: the slow rhythm').toBe(SAMPLE_MS);
		await session.linkGuard.observe(room, key, poor, start);
		expect(session.linkGuard.nextSampleMs, 'a weak sample: the next comes sooner').toBe(SUSPICIOUS_SAMPLE_MS);
		await session.linkGuard.observe(room, key, poor, start + 2_000);
		expect(t.events.some((e) => e.type === 'linkMode.changed')).toBe(false);
		await session.linkGuard.observe(room, key, poor, start + 4_000);

		const event = await waitFor(() => t.events.find((e) => e.type === 'linkMode.changed'));
		expect(event).toMatchObject({ classroomId: room, actor: 'system', data: { mode: 'audio', availableBitrate: MIN_VIDEO_BPS / 2, lossFraction: 0.12 } });
		const { mic, camera, screen } = teacherMedia.producers as Record<'mic' | 'camera' | 'screen', string>;
		await waitFor(() => !receiving(weak).has(camera) && !receiving(weak).has(screen), 10_000, 'video consumers closed');
		expect(receiving(weak).has(mic)).toBe(true);
		// Its teacher audio goes on on the same consumer: no new offer, nothing closed.
		const micOffers = weak.all('media.consumer').filter((o) => o.producerId === mic);
		expect(micOffers).toHaveLength(1);
		expect(roomPeer(room).consumers.get(mic)?.id).toBe(micOffers[0]?.consumerId);
		expect(roomPeer(lesson.classroomIds[1] as string).consumers.has(mic)).toBe(true);
		await waitFor(() => weak.latestSnapshot()?.weakLinkClassroomIds?.includes(room), 5_000, 'the room sees its mode');
		await waitFor(() => teacher.latestSnapshot()?.weakLinkClassroomIds?.includes(room), 5_000, 'the teacher sees the mode');
		expect([mic, camera, screen].every((id) => receiving(other).has(id))).toBe(true);
		// The manual switch is a separate thing: still off.
		expect(weak.latestSnapshot()?.audioOnlyClassroomIds).toEqual([]);

		// Loss goes on: no video, however long.
		for (let i = 0; i < 30; i++) await session.linkGuard.observe(room, key, lossyAudio, start + 6_000 + i * 2_000);
		expect(t.events.filter((e) => e.type === 'linkMode.changed')).toHaveLength(1);
	});

	it('after a sustained clean stretch the video comes back by itself', async () => {
		const room = lesson.classroomIds[0] as string;
		const key = weakMedia.recvTransportId;
		const { camera, screen } = teacherMedia.producers as Record<'camera' | 'screen', string>;
		const start = Date.now() + 100_000;
		for (let at = 0; at < RECOVER_AFTER_MS; at += 2_000) await session.linkGuard.observe(room, key, cleanAudio, start + at);
		expect(t.events.filter((e) => e.type === 'linkMode.changed')).toHaveLength(1);
		await session.linkGuard.observe(room, key, cleanAudio, start + RECOVER_AFTER_MS);
		await waitFor(() => t.events.filter((e) => e.type === 'linkMode.changed').length === 2);
		expect(t.events.filter((e) => e.type === 'linkMode.changed').at(-1)).toMatchObject({ classroomId: room, data: { mode: 'video' } });
		await waitFor(() => receiving(weak).has(camera) && receiving(weak).has(screen), 10_000, 'video consumers back');
		expect(weak.all('media.consumer').filter((o) => o.producerId === teacherMedia.producers.mic)).toHaveLength(1);
		await waitFor(() => weak.latestSnapshot()?.weakLinkClassroomIds?.length === 0, 5_000, 'mode cleared');
	});

	it('a room that rejoins on new transports starts again on video', async () => {
		const room = lesson.classroomIds[0] as string;
		const start = Date.now() + 500_000;
		for (let i = 0; i < 3; i++) await session.linkGuard.observe(room, weakMedia.recvTransportId, poor, start + i * 2_000);
		expect(session.weakLinkClassroomIds()).toEqual([room]);
		await session.linkGuard.observe(room, 'another-transport', cleanAudio, start + 8_000);
		expect(session.weakLinkClassroomIds()).toEqual([]);
		await waitFor(() => t.events.filter((e) => e.type === 'linkMode.changed').at(-1)?.data.mode === 'video' ? true : undefined);
	});
});
