import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../core/testing/ports.ts';
import { FfmpegSource } from '../recorder/testing/ffmpegSource.ts';
import { ROUTER_MEDIA_CODECS } from './codecs.ts';
import { LessonRouter } from './LessonRouter.ts';
import { Sfu } from './Sfu.ts';
import { decodesOn } from './testing/decodesOn.ts';

describe('a lesson across two workers', () => {
	let sfu: Sfu;
	let dir: string;
	let rtcPort: number;
	beforeAll(async () => {
		rtcPort = await freePort();
		sfu = new Sfu({ numWorkers: 2, rtcPort, listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', logLevel: 'none', routerMaxConsumers: 2 });
		await sfu.start();
		dir = await mkdtemp(path.join(os.tmpdir(), 'cb-lesson-router-'));
	});
	afterAll(async () => {
		sfu.close();
		await rm(dir, { recursive: true, force: true });
	});

	it('opens a router on the other worker once the origin is full, and receivers on both decode the piped RTP', async () => {
		const [slot0, slot1] = sfu.pool.slots;
		const origin = await slot0!.worker.createRouter({ mediaCodecs: ROUTER_MEDIA_CODECS });
		const routing = new LessonRouter(origin, slot0!.webRtcServer, slot0, {
			pickWorker: (exclude) => sfu.pool.leastLoadedExcept(exclude),
			maxConsumers: 1,
			mediaCodecs: ROUTER_MEDIA_CODECS
		});
		const source = await FfmpegSource.start(origin, { streams: [{ kind: 'video', width: 320, height: 240, fps: 15 }] });
		try {
			const video = source.producer('video');
			const first = await routing.placeTransport();
			expect(first.router).toBe(origin);
			// One WebRTC receiver fills the origin (maxConsumers 1).
			const filler = await origin.createWebRtcTransport({ webRtcServer: first.webRtcServer });
			await filler.consume({ producerId: video.id, rtpCapabilities: origin.rtpCapabilities, paused: true });
			const second = await routing.placeTransport();
			expect(second.router).not.toBe(origin);
			expect(second.webRtcServer).toBe(slot1!.webRtcServer);
			expect(routing.routers.map((r) => r.workerIndex)).toEqual([slot0!.index, slot1!.index]);
			await Promise.all([routing.reach(video.id, second.router), routing.reach(video.id, second.router)]);

			await decodesOn(origin, video, dir);
			await decodesOn(second.router, video, dir);
		} finally {
			await source.stop();
			routing.close();
		}
		expect(routing.routers.every((r) => r.router.closed)).toBe(true);
	});

	it('LessonMedia places receivers on the other worker; pauses and closes follow the pipe', async () => {
		const media = await sfu.lessonMedia('les_spread');
		const source = await FfmpegSource.start(media.router, { streams: [{ kind: 'video', width: 320, height: 240, fps: 15 }, { kind: 'audio', frequency: 440 }] });
		try {
			for (const producer of source.producers) media.adoptProducer(producer);
			const [video, audio] = [source.producer('video'), source.producer('audio')];
			const caps = media.router.rtpCapabilities;
			const a = await media.createWebRtcTransport({});
			await media.consume(a.id, video.id, caps, {}, {});
			await media.consume(a.id, audio.id, caps, {}, {});
			expect(media.workers).toEqual([{ workerIndex: media.workerIndex, consumers: 2 }]);

			const b = await media.createWebRtcTransport({});
			expect(b.iceCandidates[0]?.port).toBe(rtcPort + 1 - media.workerIndex);
			const bVideo = await media.consume(b.id, video.id, caps, {}, {});
			const bAudio = await media.consume(b.id, audio.id, caps, {}, {});
			expect(media.workers.map((w) => w.consumers)).toEqual([4, 2]); // origin: 2 receivers' + 2 pipe consumers
			await media.resumeConsumer(bVideo.id);
			expect(await media.consumerStats(bVideo.id)).toMatchObject({ paused: false, producerPaused: false, score: expect.any(Number) });

			const pauses: [string, boolean][] = [];
			media.on('consumerProducerPaused', (id, paused) => pauses.push([id, paused]));
			await media.pauseProducer(audio.id, true);
			await vi.waitFor(() => expect(pauses).toContainEqual([bAudio.id, true]));

			const closed: string[] = [];
			media.on('consumerClosed', (id) => closed.push(id));
			media.closeProducer(video.id);
			await vi.waitFor(() => expect(closed).toContain(bVideo.id));
			expect(media.hasConsumer(bVideo.id)).toBe(false);
		} finally {
			await source.stop();
			await sfu.closeLesson('les_spread');
		}
		expect(sfu.pool.slots.map((s) => s.routers)).toEqual([0, 0]);
	});

	it('resets the lesson media when a worker it spread to dies', async () => {
		const media = await sfu.lessonMedia('les_spread_lost');
		const source = await FfmpegSource.start(media.router, { streams: [{ kind: 'audio', frequency: 440 }] });
		try {
			media.adoptProducer(source.producer('audio'));
			const caps = media.router.rtpCapabilities;
			for (let i = 0; i < 3; i++) {
				const t = await media.createWebRtcTransport({});
				await media.consume(t.id, source.producer('audio').id, caps, {}, {});
			}
			const other = media.workers[1];
			expect(other).toBeDefined();
			const closed = new Promise<string>((resolve) => media.once('closed', resolve));
			const pid = sfu.pool.slots.find((s) => s.index === other!.workerIndex)!.worker.pid;
			process.kill(pid, 'SIGKILL');
			expect(await closed).toBe('worker_died');
			expect(media.closed).toBe(true);
			// The pool refills the slot, and the lesson gets fresh media on the next call.
			await vi.waitFor(() => expect(sfu.pool.slots.length).toBe(2), { timeout: 15_000 });
			const fresh = await sfu.lessonMedia('les_spread_lost');
			expect(fresh).not.toBe(media);
			expect(fresh.closed).toBe(false);
		} finally {
			await source.stop();
			await sfu.closeLesson('les_spread_lost');
		}
	});
});
