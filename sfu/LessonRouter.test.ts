import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../core/testing/ports.ts';
import { FfmpegSource } from '../recorder/testing/ffmpegSource.ts';
import { ROUTER_MEDIA_CODECS } from './codecs.ts';
import { LessonRouter } from './LessonRouter.ts';
import { MediaTap } from './MediaTap.ts';
import { Sfu } from './Sfu.ts';
import type { Producer, Router } from './types.ts';

/** An even UDP port whose pair (port, port + 1) is free on 127.0.0.1. */
async function freeUdpPair(): Promise<number> {
	const bind = (port: number) =>
		new Promise<dgram.Socket | null>((resolve) => {
			const socket = dgram.createSocket('udp4');
			socket.once('error', () => resolve(null));
			socket.bind(port, '127.0.0.1', () => resolve(socket));
		});
	for (let attempt = 0; attempt < 50; attempt++) {
		const port = 20_000 + 2 * Math.floor(Math.random() * 10_000);
		const a = await bind(port);
		const b = a && (await bind(port + 1));
		a?.close();
		b?.close();
		if (a && b) return port;
	}
	throw new Error('no free UDP port pair');
}

/** Consumes `producer` on `router` into an ffmpeg that must decode `frames` video frames. */
async function decodesOn(router: Router, producer: Producer, dir: string, frames = 10): Promise<void> {
	const port = await freeUdpPair();
	const tap = await MediaTap.open(router, producer, { ip: '127.0.0.1', port });
	const codec = tap.rtpParameters.codecs[0]!;
	const sdp = [
		'v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=decode', 'c=IN IP4 127.0.0.1', 't=0 0',
		`m=video ${port} RTP/AVPF ${codec.payloadType}`, `a=rtpmap:${codec.payloadType} VP8/90000`, 'a=recvonly', ''
	].join('\r\n');
	const sdpFile = path.join(dir, `${router.id}.sdp`);
	await writeFile(sdpFile, sdp);
	const child = spawn('/usr/bin/ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-protocol_whitelist', 'file,udp,rtp', '-i', sdpFile, '-frames:v', String(frames), '-f', 'null', '-'], {
		stdio: ['ignore', 'ignore', 'pipe']
	});
	let stderr = '';
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
	// Let ffmpeg bind its port before RTP flows, then ask for a key frame.
	await new Promise((resolve) => setTimeout(resolve, 500));
	await tap.resume();
	const keyFrames = setInterval(() => void tap.requestKeyFrame().catch(() => undefined), 1000);
	const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
	try {
		expect(await exited, stderr).toBe(0);
	} finally {
		clearTimeout(timer);
		clearInterval(keyFrames);
		tap.close();
	}
}

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
