import type { EventActor, EventBus } from '../../core/EventBus.ts';
import { inBackground } from '../../core/background.ts';
import { moduleLogger } from '../../core/logger.ts';
import type { ConsumerOffer, PublishedTrack, ServerNotifications } from '../../protocol/index.ts';
import type { LessonMedia, Sfu } from '../../sfu/index.ts';
import type { LiveState } from '../store/LessonStore.ts';
import type { Peer } from './Peer.ts';
import { wantedTracks } from './subscriptions.ts';

const log = moduleLogger('media-policy');

/** What the media policy reads of a live lesson and how it tells clients (LessonSession has it). */
export interface PolicyLesson {
	readonly lessonId: string;
	readonly peers: ReadonlyMap<string, Peer>;
	readonly bus: EventBus;
	readonly store: { liveState(lessonId: string): Promise<LiveState> };
	tracks(): PublishedTrack[];
	/** Rooms on audio + slides + board because of their link. */
	weakLinkClassroomIds(): readonly string[];
	actorOf(peer: Peer): EventActor;
	notify<N extends keyof ServerNotifications>(target: Peer | 'all', name: N, payload: ServerNotifications[N]): void;
	changed(): void;
}

/**
 * Who receives which media in one lesson: keeps the lesson's router (a new one after a worker death),
 * brings each peer's consumers in line with the lesson state, and tells the viewer about its consumers.
 */
export class MediaPolicy {
	readonly #lesson: PolicyLesson;
	readonly #sfu: Sfu;
	readonly #onVolumes: (loudest: { producerId: string; volume: number } | null) => void;
	#media: LessonMedia | null = null;
	/** consumerId → the peer that receives it. */
	readonly #viewers = new Map<string, Peer>();

	constructor(lesson: PolicyLesson, sfu: Sfu, onVolumes: (loudest: { producerId: string; volume: number } | null) => void) {
		this.#lesson = lesson;
		this.#sfu = sfu;
		this.#onVolumes = onVolumes;
	}

	/** The lesson's router, created (again, after a worker death) when needed. */
	async media(): Promise<LessonMedia> {
		if (this.#media && !this.#media.closed) return this.#media;
		const media = await this.#sfu.lessonMedia(this.#lesson.lessonId);
		if (media !== this.#media) {
			this.#media = media;
			media.on('volumes', (loudest) => this.#onVolumes(loudest));
			media.on('consumerClosed', (consumerId, producerId, reason) => this.#onConsumerClosed(consumerId, producerId, reason));
			media.on('consumerProducerPaused', (consumerId, paused) => this.#notifyViewer(consumerId, 'media.consumerPaused', { consumerId, paused }));
			media.on('consumerLayers', (consumerId, layers) =>
				this.#notifyViewer(consumerId, 'media.consumerLayers', {
					consumerId,
					spatialLayer: layers?.spatialLayer ?? null,
					temporalLayer: layers?.temporalLayer ?? null
				})
			);
			media.on('transportClosed', (transportId) => {
				for (const peer of this.#lesson.peers.values()) peer.transports.delete(transportId);
			});
			media.on('producerClosed', (producerId) => {
				for (const peer of this.#lesson.peers.values()) if (peer.tracks.delete(producerId)) this.#lesson.changed();
			});
			media.once('closed', (reason) => {
				if (reason === 'worker_died') inBackground(log, 'recovering from a worker death', this.#onMediaLost(), { lessonId: this.#lesson.lessonId });
			});
		}
		return media;
	}

	/** Brings a peer's consumers in line with the lesson state. Serialised per peer. */
	reconcile(peer: Peer): void {
		peer.reconciling = peer.reconciling.then(() => this.#reconcile(peer)).catch((error: Error) => {
			log.warn({ lessonId: this.#lesson.lessonId, participantId: peer.id, err: error.message }, 'reconcile failed');
		});
	}

	/** The peer's media goes (it left, or rejoins with fresh media); its tracks are unpublished. */
	dropPeerMedia(peer: Peer): void {
		const lesson = this.#lesson;
		const hadTracks = peer.tracks.size > 0;
		for (const track of peer.tracks.values()) {
			lesson.bus.publish(lesson.lessonId, 'media.unpublished', lesson.actorOf(peer), { producerId: track.producerId, source: track.source });
		}
		this.closePeerMedia(peer);
		if (hadTracks) lesson.changed();
	}

	/** Closes the peer's transports (with them its producers and consumers) and forgets their ids. */
	closePeerMedia(peer: Peer): void {
		const media = this.#media && !this.#media.closed ? this.#media : null;
		for (const transportId of [...peer.transports.keys()]) media?.closeTransport(transportId);
		for (const consumer of peer.consumers.values()) this.#viewers.delete(consumer.id);
		peer.forgetMedia();
	}

	async #reconcile(peer: Peer): Promise<void> {
		const lesson = this.#lesson;
		const transportId = peer.recvTransportId;
		if (!peer.rtpCapabilities || !transportId || lesson.peers.get(peer.id) !== peer) return;
		const media = await this.media();
		const live = await lesson.store.liveState(lesson.lessonId);
		const tracks = lesson.tracks();
		const switches = { ...live, weakLinkClassroomIds: lesson.weakLinkClassroomIds() };
		const wanted = wantedTracks({ participantId: peer.id, role: peer.participant.role, classroomId: peer.participant.classroomId }, tracks, switches);
		for (const [producerId, consumer] of peer.consumers) {
			const open = media.hasConsumer(consumer.id);
			if (!wanted.has(producerId) || !open) {
				peer.consumers.delete(producerId);
				this.#viewers.delete(consumer.id);
				if (open) media.closeConsumer(consumer.id);
				lesson.notify(peer, 'media.consumerClosed', { consumerId: consumer.id });
			}
		}
		for (const [producerId, layer] of wanted) {
			const existing = peer.consumers.get(producerId);
			if (existing) {
				// Only a change of policy (stage, audio-only) moves the layer: a layer the viewer chose
				// (media.setPreferredLayers) stays until the policy itself changes.
				if (layer !== undefined && existing.type === 'simulcast' && existing.policyLayer !== layer) {
					existing.policyLayer = layer;
					existing.targetLayer = layer;
					await media.setTargetLayer(existing.id, layer);
				}
				continue;
			}
			const track = tracks.find((t) => t.producerId === producerId);
			if (!track || !media.canConsume(producerId, peer.rtpCapabilities)) continue;
			const consumer = await media.consume(transportId, producerId, peer.rtpCapabilities, { targetSpatialLayer: layer }, { participantId: peer.id });
			peer.consumers.set(producerId, { id: consumer.id, producerId, type: consumer.type, policyLayer: layer, targetLayer: layer });
			this.#viewers.set(consumer.id, peer);
			const offer: ConsumerOffer = {
				consumerId: consumer.id,
				producerId,
				participantId: track.participantId,
				classroomId: track.classroomId,
				source: track.source,
				kind: consumer.kind,
				rtpParameters: consumer.rtpParameters as unknown as ConsumerOffer['rtpParameters'],
				type: consumer.type,
				producerPaused: consumer.producerPaused
			};
			lesson.notify(peer, 'media.consumer', offer);
		}
	}

	#onConsumerClosed(consumerId: string, producerId: string, reason: 'producer_closed' | 'transport_closed'): void {
		const peer = this.#viewers.get(consumerId);
		this.#viewers.delete(consumerId);
		if (!peer) return;
		if (peer.consumers.get(producerId)?.id === consumerId) peer.consumers.delete(producerId);
		if (reason === 'producer_closed') this.#lesson.notify(peer, 'media.consumerClosed', { consumerId });
	}

	#notifyViewer<N extends 'media.consumerPaused' | 'media.consumerLayers'>(consumerId: string, name: N, payload: ServerNotifications[N]): void {
		const peer = this.#viewers.get(consumerId);
		if (peer) this.#lesson.notify(peer, name, payload);
	}

	async #onMediaLost(): Promise<void> {
		const lesson = this.#lesson;
		log.warn({ lessonId: lesson.lessonId, peers: lesson.peers.size }, 'media lost with its worker; asking clients to rejoin media');
		lesson.bus.publish(lesson.lessonId, 'media.reset', { actor: 'system', role: 'system', classroomId: null }, { reason: 'worker_died' });
		for (const peer of lesson.peers.values()) peer.forgetMedia();
		this.#viewers.clear();
		this.#media = null;
		// A fresh router on a live worker, ready before the clients come back.
		await this.media().catch((error: Error) => log.error({ err: error.message }, 'no router after worker death'));
		lesson.notify('all', 'media.reset', { reason: 'worker_died' });
		lesson.changed();
	}
}
