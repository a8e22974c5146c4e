import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLesson, startTestApp, TestClient, waitFor, type TestApp, type TestLesson } from '../../app/testing/harness.ts';
import { setUpMedia } from '../testing/fakeMedia.ts';

/** Media routing through the real worker: who receives which producer, and at which layer. */
describe('media policy and stage', () => {
	let t: TestApp;
	let lesson: TestLesson;
	let teacher: TestClient;
	let room1: TestClient;
	let room2: TestClient;
	let teacherMedia: Awaited<ReturnType<typeof setUpMedia>>;
	let room1Media: Awaited<ReturnType<typeof setUpMedia>>;
	let room2Media: Awaited<ReturnType<typeof setUpMedia>>;

	const offers = (client: TestClient) =>
		client.received.filter((r) => r.name === 'media.consumer').map((r) => r.payload as { consumerId: string; producerId: string; type: string });
	const closed = (client: TestClient) => new Set(client.received.filter((r) => r.name === 'media.consumerClosed').map((r) => (r.payload as { consumerId: string }).consumerId));
	const liveProducerIds = (client: TestClient) => {
		const gone = closed(client);
		return new Set(offers(client).filter((o) => !gone.has(o.consumerId)).map((o) => o.producerId));
	};

	beforeAll(async () => {
		t = await startTestApp();
		lesson = await createLesson(t, 2);
		teacher = new TestClient(t.url, lesson.token('teacher'));
		room1 = new TestClient(t.url, lesson.token('classroom', 0));
		room2 = new TestClient(t.url, lesson.token('classroom', 1));
		await Promise.all([teacher.joinLesson(), room1.joinLesson(), room2.joinLesson()]);
		teacherMedia = await setUpMedia(teacher, ['mic', 'camera', 'screen']);
		room1Media = await setUpMedia(room1, ['mic', 'camera']);
		room2Media = await setUpMedia(room2, ['mic', 'camera']);
	});
	afterAll(async () => {
		for (const c of [teacher, room1, room2]) c.close();
		await t.stop();
	});

	it('classrooms receive the teacher mic, camera and screen, and not each other', async () => {
		const teacherTracks = Object.values(teacherMedia.producers);
		for (const room of [room1, room2]) {
			await waitFor(() => teacherTracks.every((p) => liveProducerIds(room).has(p)), 8000, 'teacher tracks at a classroom');
		}
		expect(liveProducerIds(room1).has(room2Media.producers.mic ?? '')).toBe(false);
		expect(liveProducerIds(room2).has(room1Media.producers.camera ?? '')).toBe(false);
		const cameraOffer = offers(room1).find((o) => o.producerId === teacherMedia.producers.camera);
		expect(cameraOffer?.type).toBe('simulcast');
	});

	it('the teacher receives every classroom, at the low layer', async () => {
		const all = [...Object.values(room1Media.producers), ...Object.values(room2Media.producers)];
		await waitFor(() => all.every((p) => liveProducerIds(teacher).has(p)), 8000, 'classroom tracks at the teacher');
		const media = await t.app.sfu.existingLessonMedia(lesson.lesson.id);
		const cam = [...(media?.consumers.values() ?? [])].find((c) => c.producerId === room2Media.producers.camera && c.appData.participantId === teacher.join?.self.id);
		expect(cam?.preferredLayers?.spatialLayer).toBe(0);
	});

	it('on stage: every other classroom hears and sees the stage classroom; the teacher gets it high; return undoes it', async () => {
		const stageRoom = lesson.classroomIds[1] ?? '';
		await teacher.ok('stage.set', { classroomId: stageRoom });
		const room2Tracks = Object.values(room2Media.producers);
		await waitFor(() => room2Tracks.every((p) => liveProducerIds(room1).has(p)), 8000, 'stage classroom at room 1');
		expect(liveProducerIds(room2).has(room2Media.producers.mic ?? '')).toBe(false);
		const snapshot = await room1.next('lesson.snapshot', (s) => s.stageClassroomId === stageRoom);
		expect(snapshot.stageClassroomId).toBe(stageRoom);
		const media = await t.app.sfu.existingLessonMedia(lesson.lesson.id);
		await waitFor(() => {
			const cam = [...(media?.consumers.values() ?? [])].find((c) => c.producerId === room2Media.producers.camera && c.appData.participantId === teacher.join?.self.id);
			return cam?.preferredLayers?.spatialLayer === 1 ? true : undefined;
		}, 5000, 'teacher gets the stage classroom high');
		expect(t.events.some((e) => e.type === 'stage.changed' && e.data.classroomId === stageRoom)).toBe(true);

		await teacher.ok('stage.set', { classroomId: null });
		await waitFor(() => room2Tracks.every((p) => !liveProducerIds(room1).has(p)), 8000, 'stage tracks leave room 1');
	});

	it('audio-only: the classroom keeps audio and loses video; turning it off brings video back', async () => {
		const cid = lesson.classroomIds[0] ?? '';
		await room1.ok('media.setAudioOnly', { classroomId: cid, audioOnly: true });
		await waitFor(() => !liveProducerIds(room1).has(teacherMedia.producers.camera ?? '') || undefined, 8000, 'video dropped');
		expect(liveProducerIds(room1).has(teacherMedia.producers.mic ?? '')).toBe(true);
		expect(liveProducerIds(room1).has(teacherMedia.producers.screen ?? '')).toBe(false);
		const otherRoom = await room1.send('media.setAudioOnly', { classroomId: lesson.classroomIds[1] ?? '', audioOnly: true });
		expect(otherRoom).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		await teacher.ok('media.setAudioOnly', { classroomId: cid, audioOnly: false });
		await waitFor(() => liveProducerIds(room1).has(teacherMedia.producers.camera ?? '') || undefined, 8000, 'video back');
	});

	it('mute pauses the producer for everyone and shows in the snapshot', async () => {
		const mic = teacherMedia.producers.mic ?? '';
		await teacher.ok('media.pauseProducer', { producerId: mic, paused: true });
		await room1.next('media.consumerPaused', (p) => p.paused);
		const snap = await room1.next('lesson.snapshot', (s) => s.tracks.some((tr) => tr.producerId === mic && tr.paused));
		expect(snap.tracks.find((tr) => tr.producerId === mic)?.paused).toBe(true);
		await teacher.ok('media.pauseProducer', { producerId: mic, paused: false });
	});

	it('a viewer may change its own consumer layer but not touch producers it does not own', async () => {
		const media = await t.app.sfu.existingLessonMedia(lesson.lesson.id);
		// The earlier stage changes may still be replacing consumers: take the one the server holds now.
		const camOffer = await waitFor(
			() => offers(room1).find((o) => o.producerId === teacherMedia.producers.camera && !closed(room1).has(o.consumerId) && !!media?.consumers.has(o.consumerId)),
			5000,
			'a live consumer of the teacher camera at room 1'
		);
		await room1.ok('media.setPreferredLayers', { consumerId: camOffer.consumerId, spatialLayer: 0 });
		await waitFor(() => media?.consumers.get(camOffer.consumerId)?.preferredLayers?.spatialLayer === 0, 5000, 'preferred layer 0');
		const stolen = await room2.send('media.setPreferredLayers', { consumerId: camOffer.consumerId, spatialLayer: 1 });
		expect(stolen).toMatchObject({ ok: false, error: { code: 'not_found' } });
		const notMine = await room1.send('media.closeProducer', { producerId: teacherMedia.producers.mic ?? '' });
		expect(notMine).toMatchObject({ ok: false, error: { code: 'not_found' } });
	});

	it('restarts ICE on your own transport only (the path a client takes while its socket lives)', async () => {
		const media = await t.app.sfu.existingLessonMedia(lesson.lesson.id);
		const before = media?.transport(room1Media.recvTransportId).iceParameters.usernameFragment;
		const { iceParameters } = await room1.ok('media.restartIce', { transportId: room1Media.recvTransportId });
		expect(iceParameters.usernameFragment).toBeTruthy();
		expect(iceParameters.usernameFragment).not.toBe(before);
		const foreign = await room2.send('media.restartIce', { transportId: room1Media.recvTransportId });
		expect(foreign).toMatchObject({ ok: false, error: { code: 'not_found' } });
	});

	it('refuses a second producer of the same source and sources outside the role', async () => {
		const send = await room1.ok('media.createTransport', { direction: 'send' });
		const screen = await room1.send('media.produce', { transportId: send.id, kind: 'video', source: 'screen', rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }], encodings: [{ ssrc: 5 }] } });
		expect(screen).toMatchObject({ ok: false, error: { code: 'forbidden' } });
	});
});
