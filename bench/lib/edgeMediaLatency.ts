/**
 * What piping a lesson to an edge node adds to its media's latency: an RTP stream (Opus-sized
 * packets, 50 per second) into a producer of the origin's router, read back from a consumer on
 * the origin and from one on the edge's router, which gets it through the lesson's PipeTransport
 * pair (SRTP, RTX) between two workers, as sfu/edge/EdgeRoute pipes it. Receive time minus send
 * time per packet on each path; the difference of the two p99s is the hop's cost (on one machine:
 * the edge worker's forwarding and the pipe's SRTP both ways; the network between two nodes adds
 * its own delay on top).
 */

import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import type { Producer, Router } from 'mediasoup/types';
import { Sfu } from '../../sfu/Sfu.ts';
import { EdgeRoute } from '../../sfu/edge/EdgeRoute.ts';
import { localEdgeChannel } from '../../sfu/testing/localEdgeChannel.ts';
import { freePort } from '../../core/testing/ports.ts';
import { summarize } from '../fanout/stats.ts';
import { buildOpusPacket, OPUS_TS_STEP } from '../fanout/rtp.ts';

export interface EdgeMediaLatency {
	packets: number;
	origin: { p50Ms: number; p99Ms: number };
	edge: { p50Ms: number; p99Ms: number };
	addedP99Ms: number;
	lost: { origin: number; edge: number };
}

const SSRC = 0x1234_5678;
const PT = 100;

async function bound(): Promise<Socket> {
	const socket = createSocket('udp4');
	await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
	return socket;
}

/** Where a packet's payload starts (after the CSRCs and a header extension mediasoup may have added). */
function payloadOffset(packet: Buffer): number {
	let offset = 12 + 4 * ((packet[0] ?? 0) & 0x0f);
	if ((packet[0] ?? 0) & 0x10) offset += 4 + 4 * packet.readUInt16BE(offset + 2);
	return offset;
}

/** The sender's packet number, written after the Opus TOC byte (consumers rewrite sequence numbers and timestamps, not payloads). */
function packetIndex(packet: Buffer): number | null {
	const at = payloadOffset(packet) + 1;
	return packet.length >= at + 4 ? packet.readUInt32BE(at) : null;
}

/** A plain RTP consumer of `producer` on `router`, sending to a socket that records each sequence number's arrival. */
async function receiver(router: Router, producer: Producer, arrivals: Map<number, number>): Promise<{ resume(): Promise<void>; close(): void }> {
	const socket = await bound();
	socket.on('message', (packet) => {
		const type = packet[1] ?? 0;
		if (packet.length < 12 || (type >= 192 && type <= 223)) return; // RTCP (sender and receiver reports)
		const index = packetIndex(packet);
		if (index !== null) arrivals.set(index, performance.now());
	});
	const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: false });
	await transport.connect({ ip: '127.0.0.1', port: (socket.address() as AddressInfo).port });
	const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities, paused: true });
	return {
		resume: () => consumer.resume(),
		close: () => {
			transport.close();
			socket.close();
		}
	};
}

export async function measureEdgeMediaLatency(seconds = 20): Promise<EdgeMediaLatency> {
	const options = { numWorkers: 1, listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', logLevel: 'none' as const };
	const origin = new Sfu({ ...options, rtcPort: await freePort() });
	const edge = new Sfu({ ...options, rtcPort: await freePort() });
	await Promise.all([origin.start(), edge.start()]);
	const edgeProducers: { router: Router; producer: Producer }[] = [];
	edge.pool.slots[0]!.worker.observer.on('newrouter', (router) =>
		router.observer.on('newtransport', (transport) => transport.observer.on('newproducer', (producer) => edgeProducers.push({ router, producer })))
	);
	const link = localEdgeChannel(edge.edgeHost, 'edge');
	const sender = await bound();
	const closers: (() => void)[] = [];
	try {
		const media = await origin.lessonMedia('les_edge_latency');
		const input = await media.router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: true });
		const producer = await input.produce({
			kind: 'audio',
			rtpParameters: {
				codecs: [{ mimeType: 'audio/opus', payloadType: PT, clockRate: 48000, channels: 2 }],
				encodings: [{ ssrc: SSRC }]
			}
		});
		const route = await EdgeRoute.open('les_edge_latency', media.router, link, { listenIp: '127.0.0.1', announcedAddress: '127.0.0.1' }, () => undefined);
		closers.push(() => route.close());
		await route.reach(producer.id);
		const piped = edgeProducers.find((p) => p.producer.id === producer.id);
		if (!piped) throw new Error('the producer did not reach the edge');

		const arrivals = { origin: new Map<number, number>(), edge: new Map<number, number>() };
		const atOrigin = await receiver(media.router, producer, arrivals.origin);
		const atEdge = await receiver(piped.router, piped.producer, arrivals.edge);
		closers.push(atOrigin.close, atEdge.close);
		await Promise.all([atOrigin.resume(), atEdge.resume()]);

		const sentAt = new Map<number, number>();
		const total = seconds * 50;
		const target = { port: input.tuple.localPort, address: '127.0.0.1' };
		for (let i = 0; i < total; i++) {
			const seq = i & 0xffff;
			const packet = buildOpusPacket(PT, seq, i * OPUS_TS_STEP, SSRC);
			packet.writeUInt32BE(i, payloadOffset(packet) + 1);
			sentAt.set(i, performance.now());
			sender.send(packet, target.port, target.address);
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
		await new Promise((resolve) => setTimeout(resolve, 500));
		// The first second is the pipe's warm-up (its first packets may wait for the SRTP session).
		const delays = (arrived: Map<number, number>) =>
			[...sentAt].filter(([i]) => i >= 50 && arrived.has(i)).map(([i, at]) => (arrived.get(i) ?? at) - at);
		const [o, e] = [summarize(Float64Array.from(delays(arrivals.origin))), summarize(Float64Array.from(delays(arrivals.edge)))];
		if (o.p50 === null || o.p99 === null || e.p50 === null || e.p99 === null) throw new Error(`no packet arrived on one of the paths (origin ${arrivals.origin.size}, edge ${arrivals.edge.size}; the producer got ${JSON.stringify(await producer.getStats())})`);
		const round = (x: number) => Math.round(x * 100) / 100;
		return {
			packets: total,
			origin: { p50Ms: round(o.p50), p99Ms: round(o.p99) },
			edge: { p50Ms: round(e.p50), p99Ms: round(e.p99) },
			addedP99Ms: round(Math.max(0, e.p99 - o.p99)),
			lost: { origin: total - arrivals.origin.size, edge: total - arrivals.edge.size }
		};
	} finally {
		for (const close of closers) close();
		sender.close();
		link.close();
		await origin.closeLesson('les_edge_latency');
		origin.close();
		edge.close();
	}
}
