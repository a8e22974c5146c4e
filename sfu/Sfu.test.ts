import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RtpParameters } from './types.ts';
import { freePort } from '../core/testing/ports.ts';
import { Sfu, SfuError, WorkerPool } from './index.ts';

const opus = (ssrc: number): RtpParameters => ({
	codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }],
	encodings: [{ ssrc }],
	rtcp: { cname: 'x' }
});

describe('Sfu against a real mediasoup worker', () => {
	let sfu: Sfu;
	beforeAll(async () => {
		sfu = new Sfu({ numWorkers: 1, rtcPort: await freePort(), listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', logLevel: 'none' });
		await sfu.start();
	});
	afterAll(() => sfu.close());

	it('rejects a pool without workers', () => {
		expect(() => new WorkerPool({ numWorkers: 0, rtcPort: 1, listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', logLevel: 'none' })).toThrow(SfuError);
	});

	it('gives one router per lesson and the same one on every call', async () => {
		const [a, b] = await Promise.all([sfu.lessonMedia('les_a'), sfu.lessonMedia('les_a')]);
		expect(a).toBe(b);
		const other = await sfu.lessonMedia('les_b');
		expect(other.router.id).not.toBe(a.router.id);
		expect((await sfu.counts()).routers).toBe(2);
	});

	it('hands browsers capabilities without abs-capture-time', async () => {
		const media = await sfu.lessonMedia('les_a');
		const uris = (media.clientRtpCapabilities.headerExtensions ?? []).map((e) => e.uri);
		expect(uris.some((u) => u.includes('abs-capture-time'))).toBe(false);
		expect((media.router.rtpCapabilities.codecs ?? []).map((c) => c.mimeType)).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8']));
	});

	it('rejects unknown transports, producers and consumers with not_found', async () => {
		const media = await sfu.lessonMedia('les_a');
		expect(() => media.transport('nope')).toThrow(expect.objectContaining({ reason: 'not_found' }));
		expect(() => media.producer('nope')).toThrow(expect.objectContaining({ reason: 'not_found' }));
		await expect(media.setTargetLayer('nope', 1)).rejects.toMatchObject({ reason: 'not_found' });
	});

	it('rejects RTP parameters the router cannot take with invalid', async () => {
		const media = await sfu.lessonMedia('les_a');
		const t = await media.createWebRtcTransport({});
		const h264: RtpParameters = { codecs: [{ mimeType: 'video/H264', payloadType: 102, clockRate: 90000, parameters: { 'packetization-mode': 1 } }], encodings: [{ ssrc: 9 }] };
		await expect(media.produce(t.id, 'video', h264, false, {})).rejects.toMatchObject({ reason: 'invalid' });
		await expect(media.produce(t.id, 'audio', { codecs: [], encodings: [] } as unknown as RtpParameters, false, {})).rejects.toMatchObject({ reason: 'invalid' });
	});

	it('refuses to consume with capabilities that cannot decode the producer', async () => {
		const media = await sfu.lessonMedia('les_a');
		const send = await media.createWebRtcTransport({});
		const recv = await media.createWebRtcTransport({});
		const producer = await media.produce(send.id, 'audio', opus(77), false, {});
		await expect(media.consume(recv.id, producer.id, { codecs: [] }, {}, {})).rejects.toMatchObject({ reason: 'invalid' });
		const consumer = await media.consume(recv.id, producer.id, media.router.rtpCapabilities, {}, {});
		// Paused until the client's side is ready, audio as well as video.
		expect(media.consumers.get(consumer.id)?.paused).toBe(true);
		const vp8: RtpParameters = { codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }], encodings: [{ ssrc: 78 }] };
		const camera = await media.produce(send.id, 'video', vp8, false, {});
		const video = await media.consume(recv.id, camera.id, media.router.rtpCapabilities, {}, {});
		expect(media.consumers.get(video.id)?.paused).toBe(true);
		await expect(media.setTargetLayer(consumer.id, 1)).rejects.toMatchObject({ reason: 'invalid' });
	});

	it('a closed lesson gets a fresh router next time', async () => {
		const first = await sfu.lessonMedia('les_c');
		await sfu.closeLesson('les_c');
		expect(first.closed).toBe(true);
		await expect(first.createWebRtcTransport({})).rejects.toMatchObject({ reason: 'unavailable' });
		const second = await sfu.lessonMedia('les_c');
		expect(second.router.id).not.toBe(first.router.id);
	});
});
