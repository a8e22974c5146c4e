/**
 * The product-path mode of the fan-out benchmark: the real app (HTTP, socket.io, signalling, the
 * network monitor, its worker pool and LessonRouter) in this process, a lesson made through the
 * admin API, the teacher and N (<= 64) classroom devices joined over socket.io with their real tokens.
 *
 * Node has no WebRTC stack, so the browsers' ICE/DTLS ends are played by WebRtcTransports on a
 * helper mediasoup worker of the benchmark's own: the sink thread sends the ICE checks and relays
 * DTLS between each product transport and its helper transport (see SinkLink). The teacher's
 * media is the same synthetic publisher as the bare mode, sent by the helper router over DTLS-SRTP
 * into the teacher's send transport and published with `media.produce`; each device consumes
 * through the signalling (`media.ready`, `media.consumer`, `media.resumeConsumer`) and its SRTP
 * arrives at its sink socket, counted like the bare receivers'. The extra helper hop is in the
 * latency figures of this mode; the CPU figures are the product's worker(s) and this process less
 * its devices thread: the teacher's and the devices' socket.io clients run in a thread of their own
 * (devices.ts), since in a lesson they are browsers on other machines.
 */

import * as mediasoup from 'mediasoup';
import type { Router, RtpCapabilities, WebRtcTransport } from 'mediasoup/types';
import type { ConsumerOffer, TransportInfo } from '../../protocol/index.ts';
import { clientRtpCapabilities } from '../../sfu/codecs.ts';
import { createLesson, startTestApp } from '../../app/testing/harness.ts';
import { DeviceThread, type RemoteDevice } from './deviceThread.ts';
import type { RigOptions } from './bare.ts';
import type { Publisher } from './publisher.ts';
import type { StreamKind } from './protocol.ts';
import { SETUP_CONCURRENCY, SinkThread, mapLimit, nowMs, receiverCapabilities, sleep, startSink, startSource, type Rig } from './rig.ts';
import { bindingRequest } from './stun.ts';

/** A lesson takes at most this many classrooms, and only classroom devices (and one observer) receive media. */
const MAX_ROOMS = 64;

export type ProductOptions = RigOptions & {
	/** MEDIASOUP_WORKERS of the app. */
	workers: number;
	/** MEDIASOUP_ROUTER_MAX_CONSUMERS of the app (a lower value spreads the lesson over the workers). */
	routerMaxConsumers?: number;
};

function udpPort(info: { iceCandidates: unknown }): number {
	const list = info.iceCandidates as Array<{ protocol: string; port: number }>;
	const udp = list.find((c) => c.protocol === 'udp');
	if (!udp) throw new Error('transport without a UDP candidate');
	return udp.port;
}

/** Links a product transport to a new helper WebRtcTransport (ICE via the sink, DTLS relayed) and connects both ends. */
async function linkTransport(client: RemoteDevice, info: TransportInfo, helper: Router, sink: SinkThread, receiver: number | null): Promise<WebRtcTransport> {
	const end = await helper.createWebRtcTransport({ listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }] });
	await client.ok('media.connectTransport', { transportId: info.id, dtlsParameters: { role: 'client', fingerprints: end.dtlsParameters.fingerprints } as never });
	const fingerprints = (info.dtlsParameters as { fingerprints: WebRtcTransport['dtlsParameters']['fingerprints'] }).fingerprints;
	await end.connect({ dtlsParameters: { role: 'server', fingerprints } });
	const ice = info.iceParameters as { usernameFragment: string; password: string };
	sink.post({
		type: 'link',
		receiver,
		sfuPort: udpPort(info),
		sfuStun: bindingRequest(ice),
		helperPort: udpPort(end),
		helperStun: bindingRequest(end.iceParameters)
	});
	return end;
}

function dtlsConnected(end: WebRtcTransport): Promise<void> {
	if (end.dtlsState === 'connected') return Promise.resolve();
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`DTLS not connected in 20 s (state ${end.dtlsState}, ICE ${end.iceState})`)), 20_000);
		end.on('dtlsstatechange', (state) => {
			if (state === 'connected') {
				clearTimeout(timer);
				resolve();
			}
		});
	});
}

const ssrcOf = (offer: ConsumerOffer): number => {
	const ssrc = (offer.rtpParameters.encodings as Array<{ ssrc?: number }> | undefined)?.[0]?.ssrc;
	if (ssrc === undefined) throw new Error('consumer offer without SSRC');
	return ssrc;
};

export async function productRig(opts: ProductOptions): Promise<Rig> {
	if (opts.receivers > MAX_ROOMS) throw new Error(`a lesson has at most ${MAX_ROOMS} classroom devices receiving media (assistants and students get none); N=${opts.receivers} is past it`);
	const setupStartMs = nowMs();
	const app = await startTestApp({
		MEDIASOUP_WORKERS: String(opts.workers),
		...(opts.routerMaxConsumers ? { MEDIASOUP_ROUTER_MAX_CONSUMERS: String(opts.routerMaxConsumers) } : {}),
		RECONNECT_GRACE_MS: '30000'
	});
	const helperWorker = await mediasoup.createWorker({ logLevel: 'warn', rtcMinPort: 30000, rtcMaxPort: 39999 });
	const { sink, rings, ready: readyP } = startSink(opts.receivers, opts.recvBufferBytes);
	const devices = new DeviceThread();
	let publisher: Publisher | null = null;
	const close = async (): Promise<void> => {
		publisher?.stop();
		await devices.close();
		await sink.close().catch(() => undefined);
		helperWorker.close();
		await app.stop();
		await sleep(300);
	};
	try {
		const lesson = await createLesson(app, opts.receivers);
		const ready = await readyP;
		const fed = await startSource(helperWorker, rings, ready.probePort, opts.pacingKbps);
		publisher = fed.publisher;
		const { router: helper, producers: source } = fed;

		// The teacher: a send transport fed by the helper router, two tracks published through the signalling.
		const teacher = await devices.open('teacher', app.url, lesson.token('teacher'));
		const teacherJoin = await teacher.joinLesson();
		const routerCaps = teacherJoin.routerRtpCapabilities as unknown as RtpCapabilities;
		const send = await teacher.ok('media.createTransport', { direction: 'send' });
		const sendEnd = await linkTransport(teacher, send, helper, sink, null);
		await dtlsConnected(sendEnd);
		const producerIds: string[] = [];
		for (const [source_, producer] of [['mic', source.audio], ['camera', source.video]] as const) {
			const feed = await sendEnd.consume({ producerId: producer.id, rtpCapabilities: clientRtpCapabilities(routerCaps) });
			const { producerId } = await teacher.ok('media.produce', {
				transportId: send.id,
				kind: producer.kind,
				source: source_,
				rtpParameters: feed.rtpParameters as never
			});
			producerIds.push(producerId);
		}
		await teacher.ok('media.ready', { rtpCapabilities: teacherJoin.routerRtpCapabilities });

		// The classroom devices, each with a receive transport.
		const caps = receiverCapabilities(routerCaps, opts.keepBwe);
		const ends: WebRtcTransport[] = [];
		const recvPorts = new Set<number>();
		const streams: Array<{ ssrc: number; kind: StreamKind; receiver: number }> = [];
		await mapLimit(
			Array.from({ length: opts.receivers }, (_, i) => i),
			SETUP_CONCURRENCY,
			async (i) => {
				const client = await devices.open(`room-${i}`, app.url, lesson.token('classroom', i));
				await client.joinLesson();
				const recv = await client.ok('media.createTransport', { direction: 'recv' });
				recvPorts.add(udpPort(recv));
				ends.push(await linkTransport(client, recv, helper, sink, i));
				await client.ok('media.ready', { rtpCapabilities: caps as never });
				for (const producerId of producerIds) {
					const offer = await client.offerFor(producerId, 60_000);
					await client.ok('media.resumeConsumer', { consumerId: offer.consumerId });
					streams.push({ ssrc: ssrcOf(offer), kind: offer.kind as StreamKind, receiver: i });
				}
			}
		);
		await Promise.all(ends.map(dtlsConnected));
		await devices.call({ type: 'forget' });
		sink.post({ type: 'expect', streams });
		const slots = () => app.app.sfu.pool.slots;
		return {
			workerPids: slots().map((s) => s.worker.pid),
			async workerUsage() {
				const all = await Promise.all(slots().map((s) => s.worker.getResourceUsage()));
				return { utime: all.reduce((a, ru) => a + ru.ru_utime, 0), stime: all.reduce((a, ru) => a + ru.ru_stime, 0) };
			},
			sink,
			harnessCpuMs: () => devices.cpuMs(),
			ready,
			publisher: fed.publisher,
			ingressPorts: [udpPort(send)],
			receiverPorts: [...recvPorts],
			// The product's producers sit behind LessonMedia's id-based API, which does not expose RTP loss.
			producerLost: () => Promise.resolve(null),
			setupStartMs,
			close
		};
	} catch (err) {
		await close();
		throw err;
	}
}
