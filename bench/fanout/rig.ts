/**
 * What the bare and the product-path modes of the fan-out benchmark share: the sink thread, the
 * synthetic publisher's producers, the receivers' capabilities, and the rig a mode sets up for the
 * measurement window (fanout.ts measures any rig the same way).
 */

import { Worker as ThreadWorker } from 'node:worker_threads';
import type { PlainTransport, Producer, Router, RtpCapabilities } from 'mediasoup/types';
import { ROUTER_MEDIA_CODECS } from '../../sfu/codecs.ts';
import { clientRtpCapabilities } from '../../sfu/codecs.ts';
import { Publisher } from './publisher.ts';
import { SendTimeRings, type MainToSink, type SinkInit, type SinkToMain } from './protocol.ts';
import { OPUS_TS_STEP, VP8_TS_STEP } from './rtp.ts';

export const AUDIO_PT = 111;
export const VIDEO_PT = 96;
export const AUDIO_SSRC = 0x11111111;
export const VIDEO_SSRC = 0x22222222;
/** How many receivers are set up concurrently (requests in flight). */
export const SETUP_CONCURRENCY = 16;

export const clockBase = process.hrtime.bigint();
export const nowMs = (): number => Number(process.hrtime.bigint() - clockBase) / 1e6;
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One mode's setup, ready for a measurement window: fanout.ts measures and closes it. */
export type Rig = {
	/** The SFU's worker processes carrying the lesson (one in bare mode; all of the pool in product mode). */
	workerPids: number[];
	/** utime / stime (ms) summed over those workers. */
	workerUsage(): Promise<{ utime: number; stime: number }>;
	sink: SinkThread;
	/**
	 * CPU (ms) so far of a thread of this process that plays the viewers' side besides the sink
	 * (product mode: the devices' socket.io clients); left out of the server's figures like the sink's.
	 */
	harnessCpuMs?: () => Promise<number | null>;
	ready: Extract<SinkToMain, { type: 'ready' }>;
	publisher: Publisher;
	/** Local UDP ports of the SFU: where the publisher's media enters, where receivers' media leaves. */
	ingressPorts: number[];
	receiverPorts: number[];
	/** RTP packets the SFU saw lost from the publisher so far (null where the mode cannot tell). */
	producerLost(): Promise<number | null>;
	setupStartMs: number;
	close(): Promise<void>;
};

export function lostOf(stats: Array<{ packetsLost?: number }>): number {
	return stats.reduce((acc, x) => acc + (x.packetsLost ?? 0), 0);
}

// ---------------------------------------------------------------------------------------------
// Sink thread wrapper

export class SinkThread {
	private readonly thread: ThreadWorker;
	private waiters: Array<{ type: SinkToMain['type']; resolve: (m: SinkToMain) => void }> = [];
	private failure: Error | null = null;

	constructor(init: SinkInit) {
		this.thread = new ThreadWorker(new URL('./sink.ts', import.meta.url), { workerData: init });
		this.thread.on('message', (m: SinkToMain) => {
			if (m.type === 'error') {
				this.fail(new Error(`sink thread: ${m.message}`));
				return;
			}
			const i = this.waiters.findIndex((w) => w.type === m.type);
			if (i >= 0) this.waiters.splice(i, 1)[0]?.resolve(m);
		});
		this.thread.on('error', (err) => this.fail(err));
	}

	private fail(err: Error): void {
		this.failure = err;
		console.error(err);
	}

	wait<T extends SinkToMain['type']>(type: T, timeoutMs = 30_000): Promise<Extract<SinkToMain, { type: T }>> {
		if (this.failure) return Promise.reject(this.failure);
		return new Promise((resolveWait, reject) => {
			const timer = setTimeout(() => reject(new Error(`sink thread: no '${type}' in ${timeoutMs} ms`)), timeoutMs);
			this.waiters.push({
				type,
				resolve: (m) => {
					clearTimeout(timer);
					resolveWait(m as Extract<SinkToMain, { type: T }>);
				}
			});
		});
	}

	post(m: MainToSink): void {
		this.thread.postMessage(m);
	}

	async close(): Promise<void> {
		this.post({ type: 'close' });
		const exited = new Promise<void>((r) => this.thread.once('exit', () => r()));
		await Promise.race([exited, sleep(2000)]);
		await this.thread.terminate();
	}
}

// ---------------------------------------------------------------------------------------------

/**
 * What a receiver announces: the router's client capabilities (as handed to browsers). Without
 * FANOUT_BWE=1 the transport-cc and goog-remb feedback are removed, because these sinks never
 * send transport-wide-cc feedback or REMB: with them listed, mediasoup would run its send-side
 * bandwidth estimator blind (see BENCHMARKS.md).
 */
export function receiverCapabilities(routerCaps: RtpCapabilities, keepBwe: boolean): RtpCapabilities {
	const caps = clientRtpCapabilities(routerCaps);
	if (keepBwe) return caps;
	return {
		...caps,
		codecs: (caps.codecs ?? []).map((c) => ({
			...c,
			rtcpFeedback: (c.rtcpFeedback ?? []).filter((fb) => fb.type !== 'transport-cc' && fb.type !== 'goog-remb')
		}))
	};
}

/** The synthetic publisher's Opus and VP8 producers on a comedia PlainTransport. */
export async function createProducers(transport: PlainTransport): Promise<{ audio: Producer; video: Producer }> {
	const audio = await transport.produce({
		kind: 'audio',
		rtpParameters: {
			codecs: [
				{
					mimeType: 'audio/opus',
					payloadType: AUDIO_PT,
					clockRate: 48000,
					channels: 2,
					parameters: { useinbandfec: 1 },
					rtcpFeedback: []
				}
			],
			encodings: [{ ssrc: AUDIO_SSRC }],
			rtcp: { cname: 'fanout-bench', reducedSize: true }
		}
	});
	const video = await transport.produce({
		kind: 'video',
		rtpParameters: {
			codecs: [
				{
					mimeType: 'video/VP8',
					payloadType: VIDEO_PT,
					clockRate: 90000,
					rtcpFeedback: [
						{ type: 'nack' },
						{ type: 'nack', parameter: 'pli' },
						{ type: 'ccm', parameter: 'fir' }
					]
				}
			],
			encodings: [{ ssrc: VIDEO_SSRC }],
			rtcp: { cname: 'fanout-bench', reducedSize: true }
		}
	});
	return { audio, video };
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
	const out = new Array<R>(items.length);
	let next = 0;
	const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
		while (next < items.length) {
			const i = next++;
			out[i] = await fn(items[i] as T, i);
		}
	});
	await Promise.all(runners);
	return out;
}


/** A run's sink thread, with the send-time rings it shares with the publisher; `ready` is awaited in place from the start. */
export function startSink(receivers: number, recvBufferBytes: number): { sink: SinkThread; rings: SendTimeRings; ready: Promise<Extract<SinkToMain, { type: 'ready' }>> } {
	const rings = new SendTimeRings();
	const sink = new SinkThread({ receivers, recvBufferBytes, clockBase, rings: rings.buffer, audioTsStep: OPUS_TS_STEP, videoTsStep: VP8_TS_STEP });
	return { sink, rings, ready: sink.wait('ready', 120_000) };
}

/** The synthetic teacher on `worker`'s new router: its producers on a comedia PlainTransport and the started publisher feeding them. */
export async function startSource(
	worker: { createRouter: (o: { mediaCodecs: typeof ROUTER_MEDIA_CODECS }) => Promise<Router> },
	rings: SendTimeRings,
	probePort: number,
	pacingKbps: number
): Promise<{ router: Router; ingress: PlainTransport; producers: { audio: Producer; video: Producer }; publisher: Publisher }> {
	const router = await worker.createRouter({ mediaCodecs: ROUTER_MEDIA_CODECS });
	const ingress = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: true });
	const producers = await createProducers(ingress);
	const publisher = new Publisher({
		sfuPort: ingress.tuple.localPort,
		probePort,
		audioSsrc: AUDIO_SSRC,
		videoSsrc: VIDEO_SSRC,
		audioPayloadType: AUDIO_PT,
		videoPayloadType: VIDEO_PT,
		rings,
		nowMs,
		pacingKbps
	});
	await publisher.start();
	return { router, ingress, producers, publisher };
}
