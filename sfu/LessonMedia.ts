import { EventEmitter } from 'node:events';
import type {
	AudioLevelObserver,
	Consumer,
	DtlsParameters,
	MediaKind,
	Producer,
	Router,
	RouterRtpCodecCapability,
	RtpCapabilities,
	RtpParameters,
	WebRtcTransport
} from 'mediasoup/types';
import { moduleLogger } from '../core/logger.ts';
import { clientRtpCapabilities } from './codecs.ts';
import { SfuError } from './errors.ts';
import { LayerPolicy } from './LayerPolicy.ts';
import type { WorkerSlot } from './WorkerPool.ts';

const log = moduleLogger('sfu:lesson-media');

export interface LessonMediaEvents {
	/** The router is gone (worker died or the lesson closed). */
	closed: [reason: 'worker_died' | 'closed'];
	/** Loudest audio producer, or null on silence. Sampled by the AudioLevelObserver. */
	volumes: [loudest: { producerId: string; volume: number } | null];
}

export interface ConsumeOptions {
	/** For simulcast: the layer this viewer should get when the link allows it. */
	targetSpatialLayer?: number;
}

/**
 * One lesson's media on one router: WebRTC transports, producers, consumers and an
 * AudioLevelObserver over every audio producer. Knows nothing of roles or sockets.
 */
export class LessonMedia extends EventEmitter<LessonMediaEvents> {
	readonly lessonId: string;
	readonly router: Router;
	readonly #slot: WorkerSlot;
	readonly #audioLevel: AudioLevelObserver;
	readonly transports = new Map<string, WebRtcTransport>();
	readonly producers = new Map<string, Producer>();
	readonly consumers = new Map<string, Consumer>();
	readonly #layerPolicies = new Map<string, LayerPolicy>();
	#closed = false;

	private constructor(lessonId: string, slot: WorkerSlot, router: Router, audioLevel: AudioLevelObserver) {
		super();
		this.lessonId = lessonId;
		this.#slot = slot;
		this.router = router;
		this.#audioLevel = audioLevel;
		router.on('workerclose', () => this.#onClosed('worker_died'));
		audioLevel.on('volumes', (volumes) => {
			const top = volumes[0];
			if (top) this.emit('volumes', { producerId: top.producer.id, volume: top.volume });
		});
		audioLevel.on('silence', () => this.emit('volumes', null));
	}

	static async create(lessonId: string, slot: WorkerSlot, mediaCodecs: RouterRtpCodecCapability[]): Promise<LessonMedia> {
		const router = await slot.worker.createRouter({ mediaCodecs, appData: { lessonId } });
		const audioLevel = await router.createAudioLevelObserver({ maxEntries: 1, threshold: -55, interval: 400 });
		slot.routers++;
		log.info({ lessonId, worker: slot.index, routerId: router.id }, 'lesson router created');
		return new LessonMedia(lessonId, slot, router, audioLevel);
	}

	get closed(): boolean {
		return this.#closed;
	}

	get workerIndex(): number {
		return this.#slot.index;
	}

	/** Router capabilities as browsers should load them. */
	get clientRtpCapabilities(): RtpCapabilities {
		return clientRtpCapabilities(this.router.rtpCapabilities);
	}

	async createWebRtcTransport(appData: Record<string, unknown>): Promise<WebRtcTransport> {
		this.#assertOpen();
		const transport = await this.router.createWebRtcTransport({
			webRtcServer: this.#slot.webRtcServer,
			enableUdp: true,
			enableTcp: true,
			preferUdp: true,
			initialAvailableOutgoingBitrate: 1_000_000,
			appData
		});
		this.transports.set(transport.id, transport);
		transport.observer.once('close', () => this.transports.delete(transport.id));
		return transport;
	}

	transport(transportId: string): WebRtcTransport {
		const transport = this.transports.get(transportId);
		if (!transport) throw new SfuError('not_found', `no transport ${transportId}`);
		return transport;
	}

	async connectTransport(transportId: string, dtlsParameters: DtlsParameters): Promise<void> {
		await this.transport(transportId).connect({ dtlsParameters });
	}

	async restartIce(transportId: string) {
		return this.transport(transportId).restartIce();
	}

	async produce(
		transportId: string,
		kind: MediaKind,
		rtpParameters: RtpParameters,
		paused: boolean,
		appData: Record<string, unknown>
	): Promise<Producer> {
		const transport = this.transport(transportId);
		let producer: Producer;
		try {
			producer = await transport.produce({ kind, rtpParameters, paused, appData });
		} catch (error) {
			throw new SfuError('invalid', `cannot produce: ${(error as Error).message}`);
		}
		this.producers.set(producer.id, producer);
		producer.observer.once('close', () => this.producers.delete(producer.id));
		if (kind === 'audio') {
			await this.#audioLevel.addProducer({ producerId: producer.id }).catch(() => undefined);
		}
		return producer;
	}

	producer(producerId: string): Producer {
		const producer = this.producers.get(producerId);
		if (!producer) throw new SfuError('not_found', `no producer ${producerId}`);
		return producer;
	}

	canConsume(producerId: string, rtpCapabilities: RtpCapabilities): boolean {
		return this.router.canConsume({ producerId, rtpCapabilities });
	}

	/** Creates a paused consumer; the client resumes it once its side is ready. */
	async consume(
		transportId: string,
		producerId: string,
		rtpCapabilities: RtpCapabilities,
		options: ConsumeOptions,
		appData: Record<string, unknown>
	): Promise<Consumer> {
		const transport = this.transport(transportId);
		if (!this.canConsume(producerId, rtpCapabilities)) {
			throw new SfuError('invalid', `capabilities cannot consume producer ${producerId}`);
		}
		const consumer = await transport.consume({
			producerId,
			rtpCapabilities,
			paused: true,
			preferredLayers: options.targetSpatialLayer === undefined ? undefined : { spatialLayer: options.targetSpatialLayer },
			appData
		});
		this.consumers.set(consumer.id, consumer);
		if (consumer.type === 'simulcast') {
			this.#layerPolicies.set(consumer.id, new LayerPolicy(consumer, options.targetSpatialLayer ?? 2));
		}
		consumer.observer.once('close', () => {
			this.consumers.delete(consumer.id);
			this.#layerPolicies.get(consumer.id)?.dispose();
			this.#layerPolicies.delete(consumer.id);
		});
		return consumer;
	}

	consumer(consumerId: string): Consumer {
		const consumer = this.consumers.get(consumerId);
		if (!consumer) throw new SfuError('not_found', `no consumer ${consumerId}`);
		return consumer;
	}

	/** The layer a viewer should get when its link allows; the policy steps down on a poor score. */
	async setTargetLayer(consumerId: string, spatialLayer: number, temporalLayer?: number): Promise<void> {
		const policy = this.#layerPolicies.get(consumerId);
		if (!policy) {
			this.consumer(consumerId);
			throw new SfuError('invalid', 'only simulcast consumers have layers');
		}
		await policy.setTarget(spatialLayer, temporalLayer);
	}

	close(): void {
		if (this.#closed) return;
		this.router.close();
		this.#onClosed('closed');
	}

	#onClosed(reason: 'worker_died' | 'closed'): void {
		if (this.#closed) return;
		this.#closed = true;
		if (reason === 'closed') this.#slot.routers = Math.max(0, this.#slot.routers - 1);
		for (const policy of this.#layerPolicies.values()) policy.dispose();
		this.#layerPolicies.clear();
		this.transports.clear();
		this.producers.clear();
		this.consumers.clear();
		log.info({ lessonId: this.lessonId, reason }, 'lesson router closed');
		this.emit('closed', reason);
	}

	#assertOpen(): void {
		if (this.#closed) throw new SfuError('unavailable', 'lesson media is closed');
	}
}
