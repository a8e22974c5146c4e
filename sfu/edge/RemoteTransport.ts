import { EventEmitter } from 'node:events';
import type { DtlsParameters, IceCandidate, IceParameters, MediaKind, PipeTransport, Producer, RtpCapabilities, RtpParameters } from 'mediasoup/types';
import type { TransportParameters } from '../mediaTypes.ts';
import type { EdgeChannel } from './edgeTypes.ts';
import { RemoteConsumer } from './RemoteConsumer.ts';

/** What the transport asks of its lesson's route to the edge. */
export interface RemoteTransportRoute {
	readonly channel: EdgeChannel;
	/** The origin's end of the lesson's pipe: a participant's track arrives there under its own id. */
	readonly pipe: PipeTransport;
	track(consumer: RemoteConsumer): void;
	trackProducer(producerId: string, producer: Producer): void;
}

/**
 * A participant's WebRTC transport held on an edge node, with the members of mediasoup's
 * WebRtcTransport that LessonMedia uses. What the participant sends comes back through the
 * lesson's pipe as a producer of the origin's router (same id), so the recorder, the audio level
 * observer and every other viewer take it as any other; what it receives is consumed on the edge.
 */
export class RemoteTransport {
	readonly id: string;
	readonly appData: Record<string, unknown>;
	readonly iceParameters: IceParameters;
	readonly iceCandidates: IceCandidate[];
	readonly dtlsParameters: DtlsParameters;
	readonly observer = new EventEmitter<{ close: [] }>();
	readonly #route: RemoteTransportRoute;
	readonly #consumers = new Set<RemoteConsumer>();
	readonly #producers = new Set<Producer>();
	#closed = false;

	constructor(route: RemoteTransportRoute, parameters: TransportParameters, appData: Record<string, unknown>) {
		this.#route = route;
		this.id = parameters.id;
		this.appData = appData;
		this.iceParameters = parameters.iceParameters;
		this.iceCandidates = parameters.iceCandidates;
		this.dtlsParameters = parameters.dtlsParameters;
	}

	get closed(): boolean {
		return this.#closed;
	}

	async connect({ dtlsParameters }: { dtlsParameters: DtlsParameters }): Promise<void> {
		await this.#route.channel.call('transport.connect', { transportId: this.id, dtlsParameters });
	}

	restartIce(): Promise<IceParameters> {
		return this.#route.channel.call('transport.restartIce', { transportId: this.id });
	}

	async getStats(): Promise<Record<string, unknown>[]> {
		if (this.#closed) return [];
		return this.#route.channel.call('transport.stats', { transportId: this.id });
	}

	async produce({ kind, rtpParameters, paused = false, appData = {} }: { kind: MediaKind; rtpParameters: RtpParameters; paused?: boolean; appData?: Record<string, unknown> }): Promise<Producer> {
		const channel = this.#route.channel;
		const made = await channel.call('producer.create', { transportId: this.id, kind, rtpParameters, paused, appData });
		let producer: Producer;
		try {
			producer = await this.#route.pipe.produce({ id: made.id, kind, rtpParameters: made.pipeRtpParameters, paused, appData });
		} catch (error) {
			channel.call('producer.close', { producerId: made.id }).catch(() => undefined);
			throw error;
		}
		this.#producers.add(producer);
		this.#route.trackProducer(made.id, producer);
		producer.observer.on('pause', () => void channel.call('producer.pause', { producerId: made.id, paused: true }).catch(() => undefined));
		producer.observer.on('resume', () => void channel.call('producer.pause', { producerId: made.id, paused: false }).catch(() => undefined));
		producer.observer.once('close', () => {
			this.#producers.delete(producer);
			if (!channel.closed) channel.call('producer.close', { producerId: made.id }).catch(() => undefined);
		});
		return producer;
	}

	async consume({
		producerId,
		rtpCapabilities,
		preferredLayers,
		appData = {}
	}: {
		producerId: string;
		rtpCapabilities: RtpCapabilities;
		paused?: boolean;
		preferredLayers?: { spatialLayer: number; temporalLayer?: number };
		appData?: Record<string, unknown>;
	}): Promise<RemoteConsumer> {
		const state = await this.#route.channel.call('consumer.create', { transportId: this.id, producerId, rtpCapabilities, ...(preferredLayers ? { preferredLayers } : {}), appData });
		const consumer = new RemoteConsumer(this.#route.channel, producerId, state, appData);
		this.#consumers.add(consumer);
		consumer.observer.once('close', () => this.#consumers.delete(consumer));
		this.#route.track(consumer);
		return consumer;
	}

	close(): void {
		if (this.#closed) return;
		if (!this.#route.channel.closed) this.#route.channel.call('transport.close', { transportId: this.id }).catch(() => undefined);
		this.closedThere();
	}

	/** Gone on the edge (or the edge is gone): its consumers and tracks go with it, as with a local transport. */
	closedThere(): void {
		if (this.#closed) return;
		this.#closed = true;
		for (const consumer of [...this.#consumers]) consumer.closedThere('transport_closed');
		for (const producer of [...this.#producers]) producer.close();
		this.observer.emit('close');
	}
}
