import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../core/testing/ports.ts';
import { Sfu, SfuError, type LessonMedia, type RtpParameters } from './index.ts';

const opus = (ssrc: number): RtpParameters => ({
	codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }],
	encodings: [{ ssrc }],
	rtcp: { cname: 'x' }
});

describe('LessonMedia by id against a real worker', () => {
	let sfu: Sfu;
	let media: LessonMedia;
	beforeAll(async () => {
		sfu = new Sfu({ numWorkers: 1, rtcPort: await freePort(), listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', logLevel: 'none' });
		await sfu.start();
		media = await sfu.lessonMedia('les_ids');
	});
	afterAll(() => sfu.close());

	it('creates transports as plain parameters and closes them by id', async () => {
		const closed: string[] = [];
		media.on('transportClosed', (id) => closed.push(id));
		const t = await media.createWebRtcTransport({});
		expect(t.iceCandidates.length).toBeGreaterThan(0);
		expect(t.dtlsParameters.fingerprints.length).toBeGreaterThan(0);
		expect(media.hasTransport(t.id)).toBe(true);
		expect(await media.transportBitrates(t.id)).toEqual({ sendBitrate: 0, recvBitrate: 0 });
		media.closeTransport(t.id);
		expect(media.hasTransport(t.id)).toBe(false);
		expect(closed).toContain(t.id);
		expect(await media.transportBitrates(t.id)).toBeNull();
	});

	it('produces, consumes, pauses and resumes by id, with consumer events carrying ids', async () => {
		const send = await media.createWebRtcTransport({});
		const recv = await media.createWebRtcTransport({});
		const producer = await media.produce(send.id, 'audio', opus(1234), false, {});
		expect(producer).toEqual({ id: expect.any(String), kind: 'audio', paused: false });
		const offer = await media.consume(recv.id, producer.id, media.router.rtpCapabilities, {}, {});
		expect(offer).toMatchObject({ producerId: producer.id, kind: 'audio', type: 'simple', producerPaused: false });
		expect(offer.rtpParameters.codecs[0]?.mimeType).toBe('audio/opus');
		expect(media.hasConsumer(offer.id)).toBe(true);

		const pauses: [string, boolean][] = [];
		media.on('consumerProducerPaused', (id, paused) => pauses.push([id, paused]));
		await media.pauseProducer(producer.id, true);
		await vi.waitFor(() => expect(pauses).toEqual([[offer.id, true]]));
		await media.pauseProducer(producer.id, false);
		await vi.waitFor(() => expect(pauses).toEqual([[offer.id, true], [offer.id, false]]));

		await media.resumeConsumer(offer.id);
		expect(await media.consumerStats(offer.id)).toMatchObject({ paused: false, producerPaused: false, score: expect.any(Number) });
		expect(await media.producerStats(producer.id)).toEqual(expect.any(Array));

		const closed: unknown[][] = [];
		media.on('consumerClosed', (...args) => closed.push(args));
		const producersClosed: string[] = [];
		media.on('producerClosed', (id) => producersClosed.push(id));
		media.closeProducer(producer.id);
		await vi.waitFor(() => expect(closed).toEqual([[offer.id, producer.id, 'producer_closed']]));
		expect(producersClosed).toEqual([producer.id]);
		expect(media.hasConsumer(offer.id)).toBe(false);
		expect(await media.consumerStats(offer.id)).toBeNull();
	});

	it('reads a viewer link: the estimate, and only flowing consumers count', async () => {
		const send = await media.createWebRtcTransport({});
		const recv = await media.createWebRtcTransport({});
		expect(await media.linkStats('nope', [])).toBeNull();
		const producer = await media.produce(send.id, 'audio', opus(5678), false, {});
		const offer = await media.consume(recv.id, producer.id, media.router.rtpCapabilities, {}, {});
		// Never connected: no estimate yet. Paused (as every consumer starts): no loss figure, no video.
		expect(await media.linkStats(recv.id, [offer.id, 'gone'])).toEqual({ availableBitrate: null, lossFraction: 0, hasVideo: false, videoStarved: false });
		await media.resumeConsumer(offer.id);
		expect(await media.linkStats(recv.id, [offer.id])).toMatchObject({ lossFraction: 0, hasVideo: false });
		media.closeTransport(recv.id);
		expect(await media.linkStats(recv.id, [offer.id])).toBeNull();
		media.closeProducer(producer.id);
	});

	it('a link quiet since the last sample (no NACK, scores 10, no starved layer) is read without consumer stats', async () => {
		const send = await media.createWebRtcTransport({});
		const recv = await media.createWebRtcTransport({});
		const mic = await media.produce(send.id, 'audio', opus(4321), false, {});
		const vp8: RtpParameters = { codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }], encodings: [{ ssrc: 8765 }], rtcp: { cname: 'x' } };
		const camera = await media.produce(send.id, 'video', vp8, false, {});
		const screen = await media.produce(send.id, 'video', { ...vp8, encodings: [{ ssrc: 9001 }, { ssrc: 9002 }], rtcp: { cname: 'y' } }, false, {});
		const hear = await media.consume(recv.id, mic.id, media.router.rtpCapabilities, {}, {});
		const see = await media.consume(recv.id, camera.id, media.router.rtpCapabilities, {}, {});
		const read = await media.consume(recv.id, screen.id, media.router.rtpCapabilities, {}, {});
		const spies = [hear, see, read].map((c) => vi.spyOn(media.consumers.get(c.id)!, 'getStats'));
		const requests = () => spies.reduce((n, spy) => n + spy.mock.calls.length, 0);
		for (const c of [hear, see]) await media.resumeConsumer(c.id);
		const since = Date.now();

		expect(await media.linkStats(recv.id, [hear.id, see.id, 'gone'], { quietSince: since })).toMatchObject({ lossFraction: 0, hasVideo: true, videoStarved: false });
		expect(requests(), 'quiet: no consumer stats').toBe(0);
		await media.linkStats(recv.id, [hear.id, see.id]);
		expect(requests(), 'without quietSince: the video consumer is read').toBe(1);

		// The viewer NACKs a video packet (the worker's trace event, as a browser's NACK raises it).
		await new Promise((r) => setTimeout(r, 5));
		media.consumers.get(see.id)!.emit('trace', { type: 'nack', timestamp: Date.now(), direction: 'in', info: {} } as never);
		await media.linkStats(recv.id, [hear.id, see.id], { quietSince: since });
		expect(requests(), 'a NACK since then: the full read').toBe(2);
		await media.linkStats(recv.id, [hear.id, see.id], { quietSince: Date.now() });
		expect(requests(), 'quiet again after it').toBe(2);

		await media.resumeConsumer(read.id);
		expect(media.consumers.get(read.id)?.type).toBe('simulcast');
		expect(await media.linkStats(recv.id, [hear.id, see.id, read.id], { quietSince: Date.now() })).toMatchObject({ videoStarved: true });
		expect(requests(), 'a simulcast consumer without a layer: the full read, audio included').toBe(2 + 3);

		// Video that reads no loss under a thin estimate (a trickle has nothing to report): audio is read
		// too. The transport has no peer here, so its estimate is the worker's stats with one set.
		const transport = media.transports.get(recv.id)!;
		const workerStats = await transport.getStats();
		vi.spyOn(transport, 'getStats').mockResolvedValue([{ ...workerStats[0]!, availableOutgoingBitrate: 150_000 }]);
		vi.useFakeTimers({ toFake: ['Date'] });
		try {
			vi.setSystemTime(Date.now() + 2_000);
			expect(await media.linkStats(recv.id, [hear.id, see.id], { thinBelowBps: 150_000 })).toMatchObject({ availableBitrate: 150_000, lossFraction: 0 });
			expect(requests(), 'an estimate at the threshold is not thin: video alone').toBe(5 + 1);
			await media.linkStats(recv.id, [hear.id, see.id], { thinBelowBps: 150_001 });
			expect(requests(), 'under it: video, then audio').toBe(6 + 2);
		} finally {
			vi.useRealTimers();
		}
		for (const id of [send.id, recv.id]) media.closeTransport(id);
	});

	it('the network monitor and the link guard reading one transport within 2 s share one worker request', async () => {
		const recv = await media.createWebRtcTransport({});
		const transport = media.transports.get(recv.id);
		if (!transport) throw new Error('no transport');
		const requests = vi.spyOn(transport, 'getStats');
		await media.transportStats(recv.id);
		await media.linkStats(recv.id, []);
		await media.transportBitrates(recv.id);
		expect(requests).toHaveBeenCalledTimes(1);
		vi.useFakeTimers({ toFake: ['Date'] });
		try {
			vi.setSystemTime(Date.now() + 2_000);
			await media.transportStats(recv.id);
			expect(requests).toHaveBeenCalledTimes(2);
		} finally {
			vi.useRealTimers();
		}
		media.closeTransport(recv.id);
	});

	it('rejects unknown ids with an SfuError not_found', async () => {
		await expect(media.connectTransport('nope', { fingerprints: [], role: 'client' })).rejects.toMatchObject({ reason: 'not_found' });
		await expect(media.restartIce('nope')).rejects.toBeInstanceOf(SfuError);
		await expect(media.produce('nope', 'audio', opus(1), false, {})).rejects.toMatchObject({ reason: 'not_found' });
		await expect(media.pauseProducer('nope', true)).rejects.toMatchObject({ reason: 'not_found' });
		await expect(media.resumeConsumer('nope')).rejects.toMatchObject({ reason: 'not_found' });
		const recv = await media.createWebRtcTransport({});
		await expect(media.consume(recv.id, 'nope', media.router.rtpCapabilities, {}, {})).rejects.toBeInstanceOf(SfuError);
	});

	it('rejects bad rtpParameters with an SfuError invalid', async () => {
		const send = await media.createWebRtcTransport({});
		const noEncodings = { codecs: opus(1).codecs, encodings: [] } as RtpParameters;
		await expect(media.produce(send.id, 'audio', noEncodings, false, {})).rejects.toMatchObject({ reason: 'invalid' });
		const unknownCodec: RtpParameters = { codecs: [{ mimeType: 'audio/G722', payloadType: 9, clockRate: 8000 }], encodings: [{ ssrc: 2 }] };
		await expect(media.produce(send.id, 'audio', unknownCodec, false, {})).rejects.toMatchObject({ reason: 'invalid' });
		const producer = await media.produce(send.id, 'audio', opus(3), false, {});
		await expect(media.produce(send.id, 'audio', opus(3), false, {})).rejects.toMatchObject({ reason: 'invalid' });
		media.closeProducer(producer.id);
	});

	it('taps a producer as a plain RTP feed to a local port, and refuses unknown producers', async () => {
		await expect(media.tap('nope', { ip: '127.0.0.1', port: 40_000 })).rejects.toMatchObject({ reason: 'not_found' });
		const send = await media.createWebRtcTransport({});
		const producer = await media.produce(send.id, 'audio', opus(4321), false, {});
		const tap = await media.tap(producer.id, { ip: '127.0.0.1', port: 40_000 });
		expect(tap.producerId).toBe(producer.id);
		expect(tap.kind).toBe('audio');
		expect(tap.rtpParameters.codecs[0]?.mimeType).toBe('audio/opus');
		const gone = new Promise<void>((resolve) => tap.once('gone', resolve));
		media.closeProducer(producer.id);
		await gone;
		tap.close();
	});
});
