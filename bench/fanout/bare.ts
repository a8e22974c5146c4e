/**
 * The bare mode of the fan-out benchmark: one mediasoup worker, one router, the synthetic
 * publisher into a comedia PlainTransport, and per receiver a PlainTransport with SRTP and
 * RTCP-mux connected to its sink socket, with an audio and a video consumer.
 */

import { randomBytes } from 'node:crypto';
import * as mediasoup from 'mediasoup';
import type { PlainTransport, Producer, Router, RtpCapabilities, SrtpCryptoSuite } from 'mediasoup/types';
import type { Publisher } from './publisher.ts';
import type { StreamKind } from './protocol.ts';
import { SETUP_CONCURRENCY, lostOf, mapLimit, nowMs, receiverCapabilities, sleep, startSink, startSource, type Rig } from './rig.ts';

export type RigOptions = {
	receivers: number;
	recvBufferBytes: number;
	pacingKbps: number;
	keepBwe: boolean;
	/** null: SRTP off (a comparison run only). */
	srtpSuite: SrtpCryptoSuite | null;
};

type Receiver = { transport: PlainTransport; audioSsrc: number; videoSsrc: number };

async function createReceiver(
	router: Router,
	caps: RtpCapabilities,
	producers: { audio: Producer; video: Producer },
	sinkPort: number,
	suite: SrtpCryptoSuite | null
): Promise<Receiver> {
	const transport = await router.createPlainTransport({
		listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
		rtcpMux: true,
		comedia: false,
		enableSrtp: suite !== null,
		...(suite ? { srtpCryptoSuite: suite } : {})
	});
	// Remote (sink) SRTP keys: only used to decrypt what the sink would send; 30 bytes is the
	// master key + salt length of the AES_CM_128 suites (GCM suites use other lengths).
	const keyBytes = suite === 'AEAD_AES_256_GCM' ? 44 : suite === 'AEAD_AES_128_GCM' ? 28 : 30;
	await transport.connect({
		ip: '127.0.0.1',
		port: sinkPort,
		...(suite ? { srtpParameters: { cryptoSuite: suite, keyBase64: randomBytes(keyBytes).toString('base64') } } : {})
	});
	const audio = await transport.consume({ producerId: producers.audio.id, rtpCapabilities: caps });
	const video = await transport.consume({ producerId: producers.video.id, rtpCapabilities: caps });
	const audioSsrc = audio.rtpParameters.encodings?.[0]?.ssrc;
	const videoSsrc = video.rtpParameters.encodings?.[0]?.ssrc;
	if (audioSsrc === undefined || videoSsrc === undefined) throw new Error('consumer without SSRC');
	return { transport, audioSsrc, videoSsrc };
}

export async function bareRig(opts: RigOptions): Promise<Rig> {
	const setupStartMs = nowMs();
	const worker = await mediasoup.createWorker({ logLevel: 'warn', rtcMinPort: 20000, rtcMaxPort: 29999 });
	worker.on('died', (err) => {
		console.error('mediasoup worker died', err);
		process.exit(1);
	});
	const { sink, rings, ready: readyP } = startSink(opts.receivers, opts.recvBufferBytes);
	let publisher: Publisher | null = null;
	const close = async (): Promise<void> => {
		publisher?.stop();
		await sink.close().catch(() => undefined);
		worker.close();
		await sleep(300);
	};
	try {
		const ready = await readyP;
		const source = await startSource(worker, rings, ready.probePort, opts.pacingKbps);
		publisher = source.publisher;
		const { router, ingress, producers } = source;
		const caps = receiverCapabilities(router.rtpCapabilities, opts.keepBwe);
		const list = await mapLimit(ready.ports, SETUP_CONCURRENCY, (port) => createReceiver(router, caps, producers, port, opts.srtpSuite));
		const streams: Array<{ ssrc: number; kind: StreamKind; receiver: number }> = [];
		list.forEach((rcv, i) => {
			streams.push({ ssrc: rcv.audioSsrc, kind: 'audio', receiver: i });
			streams.push({ ssrc: rcv.videoSsrc, kind: 'video', receiver: i });
		});
		sink.post({ type: 'expect', streams });
		return {
			workerPids: [worker.pid],
			async workerUsage() {
				const ru = await worker.getResourceUsage();
				return { utime: ru.ru_utime, stime: ru.ru_stime };
			},
			sink,
			ready,
			publisher: source.publisher,
			ingressPorts: [ingress.tuple.localPort],
			receiverPorts: list.map((x) => x.transport.tuple.localPort),
			async producerLost() {
				return lostOf(await producers.video.getStats()) + lostOf(await producers.audio.getStats());
			},
			setupStartMs,
			close
		};
	} catch (err) {
		await close();
		throw err;
	}
}
