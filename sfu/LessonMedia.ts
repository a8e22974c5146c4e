import { EventEmitter } from 'node:events';
import type {
	AudioLevelObserver,
	Consumer,
	DtlsParameters,
	IceParameters,
	MediaKind,
	PlainTransport,
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
import { LessonRouter, type LessonSpread } from './LessonRouter.ts';
import { MediaTap, type TapTarget } from './MediaTap.ts';
import type { WorkerSlot } from './WorkerPool.ts';
import { EdgeRoute, type PipeListen } from './edge/EdgeRoute.ts';
import type { EdgeConnector } from './edge/edgeTypes.ts';
import type { ConsumerLayers, ConsumerParameters, ConsumerStats, LessonMediaFigures, LinkStats, ProducedTrack, StreamStats, TransportParameters } from './mediaTypes.ts';

const log = moduleLogger('sfu:lesson-media');
/** Readers of a transport's stats within this long share one worker request (both sample every 2 s). */
const STATS_SHARE_MS = 1_900;

export interface LessonMediaEvents {
	/** The router is gone (worker died or the lesson closed). */
	closed: [reason: 'worker_died' | 'closed'];
	/** Loudest audio producer, or null on silence. Sampled by the AudioLevelObserver. */
	volumes: [loudest: { producerId: string; volume: number } | null];
	/** A consumer went with its producer ('producer_closed') or its transport ('transport_closed'). */
	consumerClosed: [consumerId: string, producerId: string, reason: 'producer_closed' | 'transport_closed'];
	/** A consumer's producer paused or resumed. */
	consumerProducerPaused: [consumerId: string, paused: boolean];
	/** The layers a simulcast consumer sends now (null: none). */
	consumerLayers: [consumerId: string, layers: ConsumerLayers | null];
	/** A producer closed (by its owner, or with its transport). */
	producerClosed: [producerId: string];
	/** A transport closed. */
	transportClosed: [transportId: string];
}

/** Other nodes that may hold this lesson's participants' transports (a cluster's edges). */
export interface LessonEdges {
	connect: EdgeConnector;
	/** Where this node's ends of the pipes to the edges listen. */
	listen: PipeListen;
}

export interface ConsumeOptions {
	/** For simulcast: the layer this viewer should get when the link allows it. */
	targetSpatialLayer?: number;
}

/**
 * One lesson's media: WebRTC transports, producers, consumers and an AudioLevelObserver over every
 * audio producer, all reached by id (callers get plain parameters and typed events carrying ids).
 * Where transports and producers live is LessonRouter's business. Knows nothing of roles or sockets.
 */
export class LessonMedia extends EventEmitter<LessonMediaEvents> {
	readonly lessonId: string;
	readonly router: Router;
	readonly #routing: LessonRouter;
	readonly #slot: WorkerSlot;
	readonly #audioLevel: AudioLevelObserver;
	readonly transports = new Map<string, WebRtcTransport>();
	/** The router each transport is on (the origin, or one the lesson spread to). */
	readonly #transportRouters = new Map<string, Router>();
	/** Transports made on the router outside this class (a test publisher's), closed with their owner. */
	readonly #adoptedTransports = new Map<string, PlainTransport>();
	/** The last stats request per transport (see #statsOf). */
	readonly #transportStats = new Map<string, { at: number; stats: ReturnType<WebRtcTransport['getStats']> }>();
	readonly producers = new Map<string, Producer>();
	readonly consumers = new Map<string, Consumer>();
	/**
	 * The worker's last score of each consumer and producer (best stream), kept from its score events:
	 * mediasoup's score getters clone, and the network monitor and link guard read every score each
	 * sample.
	 */
	readonly #consumerScores = new Map<string, number>();
	readonly #producerScores = new Map<string, number | null>();
	/** Video consumer id → when its viewer last sent a NACK (the worker's trace event; 0: none yet): a sign of loss that costs no request. */
	readonly #nackedAt = new Map<string, number>();
	readonly #layerPolicies = new Map<string, LayerPolicy>();
	readonly #edges: LessonEdges | undefined;
	/** Edge node id → the lesson's route there (null: that node could not be reached; transports stay here). */
	readonly #edgeRoutes = new Map<string, Promise<EdgeRoute | null>>();
	/** Transports held on an edge node, by id. */
	readonly #transportEdges = new Map<string, EdgeRoute>();
	#closed = false;

	private constructor(lessonId: string, slot: WorkerSlot, router: Router, audioLevel: AudioLevelObserver, spread?: LessonSpread, edges?: LessonEdges) {
		super();
		this.lessonId = lessonId;
		this.#edges = edges;
		this.#slot = slot;
		this.router = router;
		this.#routing = new LessonRouter(router, slot.webRtcServer, slot, spread && { ...spread, onLost: () => this.#onSpreadLost() });
		this.#audioLevel = audioLevel;
		router.on('workerclose', () => this.#onClosed('worker_died'));
		audioLevel.on('volumes', (volumes) => {
			const top = volumes[0];
			if (top) this.emit('volumes', { producerId: top.producer.id, volume: top.volume });
		});
		audioLevel.on('silence', () => this.emit('volumes', null));
	}

	/** `spread`: other workers the lesson may grow onto when its router is full (none: one router). */
	static async create(
		lessonId: string,
		slot: WorkerSlot,
		mediaCodecs: RouterRtpCodecCapability[],
		spread?: Omit<LessonSpread, 'mediaCodecs'>,
		edges?: LessonEdges
	): Promise<LessonMedia> {
		const router = await slot.worker.createRouter({ mediaCodecs, appData: { lessonId } });
		const audioLevel = await router.createAudioLevelObserver({ maxEntries: 1, threshold: -55, interval: 400 });
		slot.routers++;
		log.info({ lessonId, worker: slot.index, routerId: router.id }, 'lesson router created');
		return new LessonMedia(lessonId, slot, router, audioLevel, spread && { ...spread, mediaCodecs }, edges);
	}

	get closed(): boolean {
		return this.#closed;
	}

	get workerIndex(): number {
		return this.#slot.index;
	}

	/** The workers the lesson's routers are on, origin first, with the consumers each holds. */
	get workers(): { workerIndex: number; consumers: number }[] {
		return this.#routing.routers.map(({ workerIndex, consumers }) => ({ workerIndex, consumers }));
	}

	/** Router capabilities as browsers should load them. */
	get clientRtpCapabilities(): RtpCapabilities {
		return clientRtpCapabilities(this.router.rtpCapabilities);
	}

	/**
	 * `edgeNodeId`: the participant reached the lesson through that node of the cluster; its transport
	 * is held there (the lesson piped to it), or here when that node cannot be reached.
	 */
	async createWebRtcTransport(appData: Record<string, unknown>, placement: { edgeNodeId?: string } = {}): Promise<TransportParameters> {
		this.#assertOpen();
		const transport = (placement.edgeNodeId && (await this.#onEdge(placement.edgeNodeId, appData))) || (await this.#here(appData));
		this.transports.set(transport.id, transport);
		transport.observer.once('close', () => {
			this.transports.delete(transport.id);
			this.#transportStats.delete(transport.id);
			this.#transportRouters.delete(transport.id);
			this.#transportEdges.delete(transport.id);
			if (!this.#closed) this.emit('transportClosed', transport.id);
		});
		return { id: transport.id, iceParameters: transport.iceParameters, iceCandidates: transport.iceCandidates, dtlsParameters: transport.dtlsParameters };
	}

	async #here(appData: Record<string, unknown>): Promise<WebRtcTransport> {
		const { router, webRtcServer } = await this.#routing.placeTransport();
		const transport = await router.createWebRtcTransport({
			webRtcServer,
			enableUdp: true,
			enableTcp: true,
			preferUdp: true,
			initialAvailableOutgoingBitrate: 1_000_000,
			appData
		});
		this.#transportRouters.set(transport.id, router);
		return transport;
	}

	async #onEdge(nodeId: string, appData: Record<string, unknown>): Promise<WebRtcTransport | null> {
		const route = await this.#edgeRoute(nodeId);
		if (!route) return null;
		try {
			const remote = await route.createTransport(appData);
			this.#transportEdges.set(remote.id, route);
			// It has the members of a WebRtcTransport this class uses (see RemoteTransport).
			return remote as unknown as WebRtcTransport;
		} catch (error) {
			log.warn({ lessonId: this.lessonId, edge: nodeId, err: (error as Error).message }, 'a transport could not be made on the edge node; made here');
			return null;
		}
	}

	#edgeRoute(nodeId: string): Promise<EdgeRoute | null> {
		const edges = this.#edges;
		if (!edges) return Promise.resolve(null);
		let route = this.#edgeRoutes.get(nodeId);
		if (!route) {
			const opening = (async () => {
				const channel = await edges.connect(nodeId);
				if (!channel || this.#closed) return null;
				const opened = await EdgeRoute.open(this.lessonId, this.router, channel, edges.listen, (end) => {
					if (this.#edgeRoutes.get(nodeId) === opening) this.#edgeRoutes.delete(nodeId);
					// The edge is up but its router died: its participants' sockets are still here and
					// must be told to rebuild, as when a worker the lesson spread to dies.
					if (end === 'router_lost') this.#onSpreadLost();
				});
				if (this.#closed) opened.close();
				return opened;
			})().catch((error: Error) => {
				log.warn({ lessonId: this.lessonId, edge: nodeId, err: error.message }, 'the lesson could not be piped to an edge node; its participants are served here');
				if (this.#edgeRoutes.get(nodeId) === opening) this.#edgeRoutes.delete(nodeId);
				return null;
			});
			route = opening;
			this.#edgeRoutes.set(nodeId, route);
		}
		return route;
	}

	/** The node holding the transport, when it is another one. */
	edgeOf(transportId: string): string | null {
		return this.#transportEdges.get(transportId)?.channel.nodeId ?? null;
	}

	hasTransport(transportId: string): boolean {
		const transport = this.transports.get(transportId);
		return !!transport && !transport.closed;
	}

	closeTransport(transportId: string): void {
		this.transports.get(transportId)?.close();
		this.#adoptedTransports.get(transportId)?.close();
	}

	/** Counts a transport made on this router (a test publisher's) as the lesson's, so closeTransport reaches it. */
	adoptTransport(transport: PlainTransport): void {
		this.#adoptedTransports.set(transport.id, transport);
		transport.observer.once('close', () => {
			this.#adoptedTransports.delete(transport.id);
			if (!this.#closed) this.emit('transportClosed', transport.id);
		});
	}

	/**
	 * The transport's stats, one worker request per STATS_SHARE_MS: the network monitor and the link
	 * guard each read every receiving transport every 2 s, on timers of their own, and share it.
	 */
	#statsOf(transport: WebRtcTransport): ReturnType<WebRtcTransport['getStats']> {
		const now = Date.now();
		const last = this.#transportStats.get(transport.id);
		if (last && now - last.at < STATS_SHARE_MS) return last.stats;
		const stats = transport.getStats().catch(() => []);
		this.#transportStats.set(transport.id, { at: now, stats });
		return stats;
	}

	/** The transport's bitrates both ways (zero when it is gone). */
	async transportBitrates(transportId: string): Promise<{ sendBitrate: number; recvBitrate: number } | null> {
		const transport = this.transports.get(transportId);
		if (!transport || transport.closed) return null;
		const [stats] = await this.#statsOf(transport);
		return stats ? { sendBitrate: stats.sendBitrate ?? 0, recvBitrate: stats.recvBitrate ?? 0 } : null;
	}

	/** One stats call for the transport: bitrates both ways and, with transport-cc, the packet loss each way (0-1). */
	async transportStats(transportId: string): Promise<{ sendBitrate: number; recvBitrate: number; lossSent: number | null; lossReceived: number | null } | null> {
		const transport = this.transports.get(transportId);
		if (!transport || transport.closed) return null;
		const [stats] = await this.#statsOf(transport);
		if (!stats) return null;
		return {
			sendBitrate: stats.sendBitrate ?? 0,
			recvBitrate: stats.recvBitrate ?? 0,
			lossSent: stats.rtpPacketLossSent ?? null,
			lossReceived: stats.rtpPacketLossReceived ?? null
		};
	}

	/** The producer's best stream score (0-10) as the worker last reported it; no stats call. */
	producerScore(producerId: string): number | null {
		const producer = this.producers.get(producerId);
		if (!producer || producer.closed || producer.paused) return null;
		return this.#producerScores.get(producerId) ?? null;
	}

	/** The consumer's score (0-10) as the worker last reported it, null while paused; no stats call. */
	consumerScore(consumerId: string): number | null {
		const consumer = this.consumers.get(consumerId);
		if (!consumer || consumer.closed || consumer.paused || consumer.producerPaused) return null;
		return this.#consumerScores.get(consumerId) ?? null;
	}

	/**
	 * The link towards one viewer: its transport's bandwidth estimate and its consumers' loss and
	 * layers. Null when the transport is gone.
	 *
	 * `quietSince` (ms since the epoch): when video flows, none of it starved, its viewer has sent no
	 * NACK since then and the worker scores every flowing consumer 10, the link had no loss to speak
	 * of and the consumers' stats are not requested (the loss reads 0). A browser NACKs a lost video
	 * packet within a round trip, so any loss brings the full read back at the next sample.
	 * `thinBelowBps`: under this estimate a video stream that reads no loss is read beside the audio's.
	 */
	async linkStats(transportId: string, consumerIds: Iterable<string>, options: { quietSince?: number; thinBelowBps?: number } = {}): Promise<LinkStats | null> {
		const transport = this.transports.get(transportId);
		if (!transport || transport.closed) return null;
		const [stats] = (await this.#statsOf(transport)) as { availableOutgoingBitrate?: number }[];
		const link: LinkStats = { availableBitrate: stats?.availableOutgoingBitrate ?? null, lossFraction: 0, hasVideo: false, videoStarved: false };
		const flowing: Consumer[] = [];
		for (const id of consumerIds) {
			const consumer = this.consumers.get(id);
			if (!consumer || consumer.closed || consumer.paused || consumer.producerPaused) continue;
			flowing.push(consumer);
			if (consumer.kind === 'video') {
				link.hasVideo = true;
				if (consumer.type === 'simulcast' && !consumer.currentLayers) link.videoStarved = true;
			}
		}
		const quietSince = options.quietSince;
		if (
			quietSince !== undefined &&
			link.hasVideo &&
			!link.videoStarved &&
			flowing.every((c) => (c.kind !== 'video' || (this.#nackedAt.get(c.id) ?? Number.POSITIVE_INFINITY) <= quietSince) && (this.#consumerScores.get(c.id) ?? 10) === 10)
		) {
			return link;
		}
		// The receiver's reports of its video streams carry the link's loss with the most packets behind
		// them. Audio's count when no video flows (a room on audio + slides) and when a video stream is
		// starved: a stream sent nothing is reported with no loss, so a link too thin for the lowest
		// layer would otherwise read as clean and never fall back. (The transport's own signs were tried
		// as the gate instead of NACKs and trail a poor link's onset: transport-cc loss read 0 for 6 s on
		// a link at 10 % loss whose saturated uplink held back the feedback, the scores count
		// NACK-repaired packets as delivered, and the estimate stays high until the loss is felt; the
		// fallback then took up to 10.1 s instead of 5.3-8.5 s.)
		// So does audio when video reads no loss under an estimate of `thinBelowBps`: a trickle of the
		// lowest layer, or none for a moment, leaves the video's reports nothing to count (a poor link at
		// 10 % loss read 0 at 94 kbit/s, and its fallback came a sample later, 10.3 s after the onset).
		const lossOf = async (kind: MediaKind): Promise<number> => {
			let loss = 0;
			for (const consumer of flowing.filter((c) => c.kind === kind)) {
				const streams = (await consumer.getStats().catch(() => [])) as StreamStats[];
				for (const s of streams) if (s.type === 'outbound-rtp') loss = Math.max(loss, (s.fractionLost ?? 0) / 256);
			}
			return loss;
		};
		link.lossFraction = await lossOf('video');
		const thin = options.thinBelowBps !== undefined && link.availableBitrate !== null && link.availableBitrate < options.thinBelowBps;
		if (!link.hasVideo || link.videoStarved || (thin && link.lossFraction === 0)) link.lossFraction = Math.max(link.lossFraction, await lossOf('audio'));
		return link;
	}

	transport(transportId: string): WebRtcTransport {
		const transport = this.transports.get(transportId);
		if (!transport) throw new SfuError('not_found', `no transport ${transportId}`);
		return transport;
	}

	async connectTransport(transportId: string, dtlsParameters: DtlsParameters): Promise<void> {
		await this.transport(transportId).connect({ dtlsParameters });
	}

	async restartIce(transportId: string): Promise<IceParameters> {
		return this.transport(transportId).restartIce();
	}

	async produce(
		transportId: string,
		kind: MediaKind,
		rtpParameters: RtpParameters,
		paused: boolean,
		appData: Record<string, unknown>
	): Promise<ProducedTrack> {
		const transport = this.transport(transportId);
		let producer: Producer;
		try {
			producer = await transport.produce({ kind, rtpParameters, paused, appData });
		} catch (error) {
			throw new SfuError('invalid', `cannot produce: ${(error as Error).message}`);
		}
		this.adoptProducer(producer, this.#transportEdges.get(transportId));
		if (kind === 'audio') {
			await this.#audioLevel.addProducer({ producerId: producer.id }).catch(() => undefined);
		}
		return { id: producer.id, kind: producer.kind, paused: producer.paused };
	}

	/** Counts a producer made on this router (a test publisher's) as one of the lesson's. */
	adoptProducer(producer: Producer, edge?: EdgeRoute): void {
		this.producers.set(producer.id, producer);
		const keepScore = (score: readonly { score: number }[]) =>
			this.#producerScores.set(producer.id, score.length === 0 ? null : Math.max(...score.map((s) => s.score)));
		keepScore(producer.score);
		// A track made on an edge is scored there; here it is only the pipe's.
		if (!edge?.followProducerScore(producer.id, keepScore)) producer.on('score', keepScore);
		producer.observer.once('close', () => {
			this.producers.delete(producer.id);
			this.#producerScores.delete(producer.id);
			if (!this.#closed) this.emit('producerClosed', producer.id);
		});
	}

	async pauseProducer(producerId: string, paused: boolean): Promise<void> {
		const producer = this.producer(producerId);
		if (paused) await producer.pause();
		else await producer.resume();
	}

	/** The producer's RTP as a plain feed to `target` (for the recorder), paused until resumed. */
	async tap(producerId: string, target: TapTarget): Promise<MediaTap> {
		this.#assertOpen();
		return MediaTap.open(this.router, this.producer(producerId), target);
	}

	closeProducer(producerId: string): void {
		this.producers.get(producerId)?.close();
	}

	/** The producer's streams (a simulcast producer has one per layer); null when it is gone or paused. */
	async producerStats(producerId: string): Promise<StreamStats[] | null> {
		const producer = this.producers.get(producerId);
		if (!producer || producer.closed || producer.paused) return null;
		return (await producer.getStats().catch(() => [])) as StreamStats[];
	}

	producer(producerId: string): Producer {
		const producer = this.producers.get(producerId);
		if (!producer) throw new SfuError('not_found', `no producer ${producerId}`);
		return producer;
	}

	canConsume(producerId: string, rtpCapabilities: RtpCapabilities): boolean {
		return this.router.canConsume({ producerId, rtpCapabilities });
	}

	/**
	 * Creates a paused consumer; the client resumes it once its side is ready. Audio too: started at
	 * once, its first packets reach the browser before its side exists, and rooms' downlink
	 * estimates were then seen to stay low.
	 */
	async consume(
		transportId: string,
		producerId: string,
		rtpCapabilities: RtpCapabilities,
		options: ConsumeOptions,
		appData: Record<string, unknown>
	): Promise<ConsumerParameters> {
		const transport = this.transport(transportId);
		if (!this.canConsume(producerId, rtpCapabilities)) {
			throw new SfuError('invalid', `capabilities cannot consume producer ${producerId}`);
		}
		const edge = this.#transportEdges.get(transportId);
		if (edge) await edge.reach(producerId);
		else await this.#routing.reach(producerId, this.#transportRouters.get(transportId) ?? this.router);
		let consumer: Consumer;
		try {
			consumer = await transport.consume({
				producerId,
				rtpCapabilities,
				paused: true,
				preferredLayers: options.targetSpatialLayer === undefined ? undefined : { spatialLayer: options.targetSpatialLayer },
				appData
			});
		} catch (error) {
			throw new SfuError('invalid', `cannot consume: ${(error as Error).message}`);
		}
		this.consumers.set(consumer.id, consumer);
		this.#consumerScores.set(consumer.id, consumer.score.score);
		consumer.on('score', (score) => this.#consumerScores.set(consumer.id, score.score));
		if (consumer.type === 'simulcast') {
			this.#layerPolicies.set(consumer.id, new LayerPolicy(consumer, options.targetSpatialLayer ?? 2));
		}
		consumer.observer.once('close', () => {
			this.consumers.delete(consumer.id);
			this.#consumerScores.delete(consumer.id);
			this.#nackedAt.delete(consumer.id);
			this.#layerPolicies.get(consumer.id)?.dispose();
			this.#layerPolicies.delete(consumer.id);
		});
		consumer.on('producerclose', () => this.emit('consumerClosed', consumer.id, producerId, 'producer_closed'));
		consumer.on('transportclose', () => this.emit('consumerClosed', consumer.id, producerId, 'transport_closed'));
		consumer.on('producerpause', () => this.emit('consumerProducerPaused', consumer.id, true));
		consumer.on('producerresume', () => this.emit('consumerProducerPaused', consumer.id, false));
		consumer.on('layerschange', (layers) => this.emit('consumerLayers', consumer.id, layers ?? null));
		if (consumer.kind === 'video') {
			consumer.on('trace', (trace) => {
				if (trace.type === 'nack') this.#nackedAt.set(consumer.id, Date.now());
			});
			// Only a consumer whose NACKs are traced can be read without its stats (0: none yet). Awaited
			// after its close handler is in place: a transport closing meanwhile must still remove it.
			await consumer.enableTraceEvent(['nack']).then(
				() => {
					if (!consumer.closed) this.#nackedAt.set(consumer.id, this.#nackedAt.get(consumer.id) ?? 0);
				},
				() => undefined
			);
		}
		return {
			id: consumer.id,
			producerId,
			kind: consumer.kind,
			rtpParameters: consumer.rtpParameters,
			type: consumer.type,
			producerPaused: consumer.producerPaused
		};
	}

	hasConsumer(consumerId: string): boolean {
		const consumer = this.consumers.get(consumerId);
		return !!consumer && !consumer.closed;
	}

	/** Starts a consumer the viewer is ready for; video asks its sender for a key frame. */
	async resumeConsumer(consumerId: string): Promise<void> {
		const consumer = this.consumer(consumerId);
		await consumer.resume();
		if (consumer.kind === 'video') await consumer.requestKeyFrame().catch(() => undefined);
	}

	closeConsumer(consumerId: string): void {
		this.consumers.get(consumerId)?.close();
	}

	/** Totals for /metrics: consumers, bitrate into producers and out of consumers, the worst receive loss. */
	async figures(): Promise<LessonMediaFigures> {
		let bitrateIn = 0;
		let bitrateOut = 0;
		let loss = 0;
		for (const producer of this.producers.values()) {
			for (const stream of (await producer.getStats().catch(() => [])) as StreamStats[]) {
				bitrateIn += stream.bitrate ?? 0;
				loss = Math.max(loss, (stream.fractionLost ?? 0) / 256);
			}
		}
		for (const consumer of this.consumers.values()) {
			for (const stream of (await consumer.getStats().catch(() => [])) as StreamStats[]) if (stream.type === 'outbound-rtp') bitrateOut += stream.bitrate ?? 0;
		}
		return { lessonId: this.lessonId, consumers: this.consumers.size, bitrateIn, bitrateOut, loss };
	}

	/** The consumer's outgoing figures; null when it is gone. */
	async consumerStats(consumerId: string): Promise<ConsumerStats | null> {
		const consumer = this.consumers.get(consumerId);
		if (!consumer || consumer.closed) return null;
		const paused = consumer.paused || consumer.producerPaused;
		const streams = paused ? [] : ((await consumer.getStats().catch(() => [])) as StreamStats[]);
		return { streams, score: consumer.score.score, paused: consumer.paused, producerPaused: consumer.producerPaused };
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
		this.#routing.close();
		this.#onClosed('closed');
	}

	/** The edge nodes the lesson is piped to now. */
	async edgeNodes(): Promise<string[]> {
		const routes = await Promise.all(this.#edgeRoutes.values());
		return routes.filter((r): r is EdgeRoute => !!r && !r.closed).map((r) => r.channel.nodeId);
	}

	/**
	 * A worker the lesson spread to died: its participants' transports went with it. The lesson's media
	 * is reset as after the origin's death (everyone rebuilds; rare, and one path to get right).
	 */
	#onSpreadLost(): void {
		if (this.#closed) return;
		log.warn({ lessonId: this.lessonId }, 'a worker the lesson spread to died; resetting the lesson media');
		this.#routing.close();
		this.#slot.routers = Math.max(0, this.#slot.routers - 1);
		this.#onClosed('worker_died');
	}

	#onClosed(reason: 'worker_died' | 'closed'): void {
		if (this.#closed) return;
		this.#closed = true;
		if (reason === 'closed') this.#slot.routers = Math.max(0, this.#slot.routers - 1);
		for (const policy of this.#layerPolicies.values()) policy.dispose();
		this.#layerPolicies.clear();
		for (const route of this.#edgeRoutes.values()) void route.then((r) => r?.close());
		this.#edgeRoutes.clear();
		this.#transportEdges.clear();
		this.transports.clear();
		this.#transportRouters.clear();
		this.#adoptedTransports.clear();
		this.producers.clear();
		this.consumers.clear();
		log.info({ lessonId: this.lessonId, reason }, 'lesson router closed');
		this.emit('closed', reason);
	}

	#assertOpen(): void {
		if (this.#closed) throw new SfuError('unavailable', 'lesson media is closed');
	}
}
