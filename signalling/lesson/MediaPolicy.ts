import type { EventActor, EventBus } from '../../core/EventBus.ts';
import { inBackground } from '../../core/background.ts';
import { moduleLogger } from '../../core/logger.ts';
import type { ConsumerOffer, PublishedTrack, ServerNotifications } from '../../protocol/index.ts';
import type { LessonMedia, Sfu } from '../../sfu/index.ts';
import type { LiveState } from '../store/LessonStore.ts';
import { ConsumerHandover } from './ConsumerHandover.ts';
import type { Peer, PeerConsumer } from './Peer.ts';
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
	readonly #handover = new ConsumerHandover((peer, old) => this.#retire(peer, old));

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
			// A relay's ffmpeg died: the rooms it served consume the source again.
			media.on('fecRelayLost', () => {
				for (const peer of this.#lesson.peers.values()) this.reconcile(peer);
			});
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

	/** The viewer resumed a consumer (its side is ready): a consumer it replaces may go soon. */
	consumerResumed(consumerId: string): void {
		this.#handover.resumed(consumerId);
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
		const sources = await this.#lossTolerant(media, peer, tracks, wanted);
		const wantedAs = new Set([...wanted.keys()].map((id) => sources.get(id) ?? id));
		// Consumers that a new one replaces with the same media (onto or off an FEC relay): they go once
		// the new one plays (ConsumerHandover), not before. Keyed by the producer id the viewer sees.
		const replaced = new Map<string, PeerConsumer>();
		for (const [producerId, consumer] of peer.consumers) {
			const open = media.hasConsumer(consumer.id);
			if (!wanted.has(producerId) || !open) {
				peer.consumers.delete(producerId);
				if (open && wantedAs.has(consumer.offeredAs)) {
					replaced.set(consumer.offeredAs, consumer);
					continue;
				}
				this.#viewers.delete(consumer.id);
				if (open) media.closeConsumer(consumer.id);
				lesson.notify(peer, 'media.consumerClosed', { consumerId: consumer.id });
			}
		}
		try {
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
				const sourceId = sources.get(producerId) ?? producerId;
				const track = tracks.find((t) => t.producerId === sourceId);
				if (!track || !media.canConsume(producerId, peer.rtpCapabilities)) continue;
				const consumer = await media.consume(transportId, producerId, peer.rtpCapabilities, { targetSpatialLayer: layer }, { participantId: peer.id });
				peer.consumers.set(producerId, { id: consumer.id, producerId, offeredAs: sourceId, type: consumer.type, policyLayer: layer, targetLayer: layer });
				this.#viewers.set(consumer.id, peer);
				const predecessor = replaced.get(sourceId);
				if (predecessor) {
					replaced.delete(sourceId);
					this.#handover.begin(peer, predecessor, consumer.id);
				}
				const offer: ConsumerOffer = {
					consumerId: consumer.id,
					producerId: sourceId,
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
		} finally {
			// Whatever was not handed over (its successor could not be made) goes now.
			for (const old of replaced.values()) this.#retire(peer, old);
		}
	}

	/** A consumer that was kept for a handover (or whose successor could not be made) goes. */
	#retire(peer: Peer, old: PeerConsumer): void {
		this.#viewers.delete(old.id);
		const media = this.#media;
		// Closed meanwhile with its producer or transport: the viewer was told then (or left).
		if (!media || media.closed || !media.hasConsumer(old.id)) return;
		media.closeConsumer(old.id);
		if (this.#lesson.peers.get(peer.id) === peer) this.#lesson.notify(peer, 'media.consumerClosed', { consumerId: old.id });
	}

	/**
	 * A room on audio + slides because of its link loses packets: its audio comes through the FEC
	 * relays (LessonMedia.lossTolerantAudio). Swaps those entries of `wanted` for the relayed ids and
	 * returns relayed id → source id. Where no relay can be had the room consumes the source.
	 */
	async #lossTolerant(media: LessonMedia, peer: Peer, tracks: PublishedTrack[], wanted: Map<string, number | undefined>): Promise<Map<string, string>> {
		const sources = new Map<string, string>();
		const classroomId = peer.participant.classroomId;
		if (peer.participant.role !== 'classroom' || !classroomId || !this.#lesson.weakLinkClassroomIds().includes(classroomId)) return sources;
		for (const [producerId, layer] of [...wanted]) {
			if (tracks.find((t) => t.producerId === producerId)?.kind !== 'audio') continue;
			const relayed = await media.lossTolerantAudio(producerId);
			if (!relayed) continue;
			wanted.delete(producerId);
			wanted.set(relayed, layer);
			sources.set(relayed, producerId);
		}
		return sources;
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
		this.#handover.clear();
		this.#media = null;
		// A fresh router on a live worker, ready before the clients come back.
		await this.media().catch((error: Error) => log.error({ err: error.message }, 'no router after worker death'));
		lesson.notify('all', 'media.reset', { reason: 'worker_died' });
		lesson.changed();
	}
}
