import { EventEmitter } from 'node:events';
import type { Consumer, MediaKind, PlainTransport, Producer, Router, RtpParameters } from 'mediasoup/types';

export interface MediaTapEvents {
	/** An RTP packet (not a retransmission) went out: its RTP timestamp and the worker's monotonic send time in ms. */
	packetSent: [rtpTimestamp: number, sentAtMonotonicMs: number];
	/** The producer or its router went away. */
	gone: [];
}

/**
 * Where a tap sends its RTP (RTCP on port + 1). `port` may be chosen once the tap's own transport
 * has its local port, so a free-port probe cannot pick the port the tap itself just took.
 */
export interface TapTarget {
	ip: string;
	port: number | (() => Promise<number>);
}

/**
 * A producer's RTP as a plain feed for the recorder: a paused PlainTransport consumer sending to a
 * local port. Simulcast sends the top layer (a PlainTransport has no bandwidth estimate, so it stays there).
 */
export class MediaTap extends EventEmitter<MediaTapEvents> {
	readonly producerId: string;
	readonly kind: MediaKind;
	readonly rtpParameters: RtpParameters;
	/** The local port RTP goes to (RTCP: port + 1). */
	readonly port: number;
	readonly #transport: PlainTransport;
	readonly #consumer: Consumer;

	private constructor(transport: PlainTransport, consumer: Consumer, port: number) {
		super();
		this.port = port;
		this.#transport = transport;
		this.#consumer = consumer;
		this.producerId = consumer.producerId;
		this.kind = consumer.kind;
		this.rtpParameters = consumer.rtpParameters;
		consumer.on('trace', (trace) => {
			if (trace.type !== 'rtp' || trace.direction !== 'out') return;
			const info = trace.info as { isRtx?: boolean; rtpPacket?: { timestamp?: number } } | undefined;
			const rtpTimestamp = info?.rtpPacket?.timestamp;
			if (info?.isRtx || typeof rtpTimestamp !== 'number') return;
			this.emit('packetSent', rtpTimestamp, trace.timestamp);
		});
		consumer.on('producerclose', () => this.emit('gone'));
		consumer.on('transportclose', () => this.emit('gone'));
	}

	static async open(router: Router, producer: Producer, target: TapTarget): Promise<MediaTap> {
		const transport = await router.createPlainTransport({
			listenInfo: { protocol: 'udp', ip: target.ip },
			rtcpMux: false,
			comedia: false,
			appData: { recorder: true, producerId: producer.id }
		});
		try {
			const port = typeof target.port === 'number' ? target.port : await target.port();
			await transport.connect({ ip: target.ip, port, rtcpPort: port + 1 });
			const layers = producer.rtpParameters.encodings?.length ?? 1;
			const consumer = await transport.consume({
				producerId: producer.id,
				rtpCapabilities: router.rtpCapabilities,
				paused: true,
				preferredLayers: layers > 1 ? { spatialLayer: layers - 1, temporalLayer: 2 } : undefined,
				appData: { recorder: true }
			});
			return new MediaTap(transport, consumer, port);
		} catch (error) {
			transport.close();
			throw error;
		}
	}

	/** Whether packetSent fires (the worker traces every packet while on). */
	traceSentPackets(on: boolean): Promise<void> {
		return this.#consumer.enableTraceEvent(on ? ['rtp'] : []);
	}

	resume(): Promise<void> {
		return this.#consumer.resume();
	}

	pause(): Promise<void> {
		return this.#consumer.pause();
	}

	requestKeyFrame(): Promise<void> {
		return this.#consumer.requestKeyFrame();
	}

	close(): void {
		this.#transport.close();
	}
}
