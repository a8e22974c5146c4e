import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Producer, Router } from 'mediasoup/types';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../../core/testing/ports.ts';
import { FfmpegSource } from '../../recorder/testing/ffmpegSource.ts';
import { Sfu } from '../Sfu.ts';
import { decodesOn } from '../testing/decodesOn.ts';
import { localEdgeChannel } from '../testing/localEdgeChannel.ts';
import type { RtpParameters } from '../types.ts';

const OPUS: RtpParameters = {
	mid: '0',
	codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2, parameters: { useinbandfec: 1 }, rtcpFeedback: [] }],
	headerExtensions: [],
	encodings: [{ ssrc: 4242 }],
	rtcp: { cname: 'edge-test' }
};

/** Two nodes' SFUs in one process: the origin's lesson holds a participant's transport on the edge. */
describe('a lesson piped to an edge node', () => {
	let origin: Sfu;
	let edge: Sfu;
	let edgePort: number;
	let dir: string;
	/** Every router the edge's worker makes, to find what was piped there. */
	const edgeRouters: Router[] = [];

	beforeAll(async () => {
		const [originPort, port] = [await freePort(), await freePort()];
		edgePort = port;
		origin = new Sfu({ numWorkers: 1, rtcPort: originPort, listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', logLevel: 'none' });
		edge = new Sfu({ numWorkers: 1, rtcPort: edgePort, listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', logLevel: 'none' });
		await Promise.all([origin.start(), edge.start()]);
		edge.pool.slots[0]!.worker.observer.on('newrouter', (router) => {
			edgeRouters.push(router);
			router.observer.on('newtransport', (transport) => transport.observer.on('newproducer', (producer) => made.push({ router, producer })));
		});
		dir = await mkdtemp(path.join(os.tmpdir(), 'cb-edge-route-'));
	});
	afterAll(async () => {
		origin.close();
		edge.close();
		await rm(dir, { recursive: true, force: true });
	});

	/** Every producer made on the edge's routers, with its router. */
	const made: { router: Router; producer: Producer }[] = [];
	/** The open producer of that id on the edge. */
	const onEdge = (producerId: string): Producer | undefined => made.find((m) => m.producer.id === producerId && !m.producer.closed)?.producer;
	const routerOf = (producer: Producer): Router => made.find((m) => m.producer === producer)!.router;

	it('receivers on the edge decode the origin producers through the SRTP pipe; pauses, closes and the edge going away follow', async () => {
		const link = localEdgeChannel(edge.edgeHost, 'node-b');
		origin.useEdges(async (nodeId) => (nodeId === 'node-b' ? link : null));
		const media = await origin.lessonMedia('les_edge');
		const source = await FfmpegSource.start(media.router, { streams: [{ kind: 'video', width: 320, height: 240, fps: 15 }, { kind: 'audio', frequency: 440 }] });
		try {
			for (const producer of source.producers) media.adoptProducer(producer);
			const [video, audio] = [source.producer('video'), source.producer('audio')];
			const caps = media.clientRtpCapabilities;

			const recv = await media.createWebRtcTransport({}, { edgeNodeId: 'node-b' });
			expect(recv.iceCandidates.map((c) => c.port)).toContain(edgePort);
			expect(media.edgeOf(recv.id)).toBe('node-b');
			expect(await media.edgeNodes()).toEqual(['node-b']);
			const videoConsumer = await media.consume(recv.id, video.id, caps, { targetSpatialLayer: 0 }, {});
			const audioConsumer = await media.consume(recv.id, audio.id, caps, {}, {});
			expect(videoConsumer).toMatchObject({ producerId: video.id, kind: 'video' });
			await media.resumeConsumer(videoConsumer.id);
			expect(await media.consumerStats(videoConsumer.id)).toMatchObject({ paused: false, producerPaused: false });

			// The origin's producer is on the edge's router under its own id, and its RTP decodes there.
			const there = onEdge(video.id);
			expect(there?.type).toBe('simple');
			await decodesOn(routerOf(there!), there!, dir);

			const pauses: [string, boolean][] = [];
			media.on('consumerProducerPaused', (id, paused) => pauses.push([id, paused]));
			await media.pauseProducer(audio.id, true);
			await vi.waitFor(() => expect(pauses).toContainEqual([audioConsumer.id, true]));
			await vi.waitFor(() => expect(onEdge(audio.id)?.paused).toBe(true));

			// A participant's track made on the edge is a producer of the origin's router (its recording, its other viewers).
			const send = await media.createWebRtcTransport({}, { edgeNodeId: 'node-b' });
			const track = await media.produce(send.id, 'audio', OPUS, false, { source: 'mic' });
			expect(media.producer(track.id).kind).toBe('audio');
			expect(onEdge(track.id)).toBeDefined();
			expect(media.producer(track.id)).not.toBe(onEdge(track.id));
			await media.pauseProducer(track.id, true);
			await vi.waitFor(() => expect(onEdge(track.id)?.paused).toBe(true));

			const closedProducers: string[] = [];
			media.on('producerClosed', (id) => closedProducers.push(id));
			media.closeTransport(send.id);
			await vi.waitFor(() => expect(closedProducers).toContain(track.id));
			await vi.waitFor(() => expect(onEdge(track.id)).toBeUndefined());

			// The edge goes away: its transports and consumers are gone on the origin too.
			const closedTransports: string[] = [];
			const closedConsumers: [string, string][] = [];
			media.on('transportClosed', (id) => closedTransports.push(id));
			media.on('consumerClosed', (id, _producer, reason) => closedConsumers.push([id, reason]));
			link.close();
			await vi.waitFor(() => expect(closedTransports).toContain(recv.id));
			expect(closedConsumers).toContainEqual([videoConsumer.id, 'transport_closed']);
			expect(media.hasTransport(recv.id)).toBe(false);
			expect(await media.edgeNodes()).toEqual([]);
			await vi.waitFor(() => expect(edgeRouters.every((r) => r.closed)).toBe(true));
			expect(edge.pool.slots[0]!.routers).toBe(0);

			// With the edge gone, the next participant through it is served on the origin.
			const fallback = await media.createWebRtcTransport({}, { edgeNodeId: 'node-b' });
			expect(media.edgeOf(fallback.id)).toBeNull();
		} finally {
			await source.stop();
			await origin.closeLesson('les_edge');
		}
	}, 60_000);

	it("the edge's worker dies while the edge lives: the lesson's media is reset, so its participants rebuild", async () => {
		const link = localEdgeChannel(edge.edgeHost, 'node-b');
		origin.useEdges(async () => link);
		const media = await origin.lessonMedia('les_edge_worker');
		try {
			const recv = await media.createWebRtcTransport({}, { edgeNodeId: 'node-b' });
			expect(media.edgeOf(recv.id)).toBe('node-b');
			const closed = new Promise<string>((resolve) => media.once('closed', resolve));
			process.kill(edge.pool.slots[0]!.worker.pid, 'SIGKILL');
			expect(await closed).toBe('worker_died');
			expect(link.closed, 'the link itself stays').toBe(false);
			const fresh = await origin.lessonMedia('les_edge_worker');
			expect(fresh).not.toBe(media);
		} finally {
			link.close();
			await origin.closeLesson('les_edge_worker');
		}
	}, 30_000);
});
