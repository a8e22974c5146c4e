import type { EventActor, EventBus } from '../../core/EventBus.ts';
import { inBackground } from '../../core/background.ts';
import { moduleLogger } from '../../core/logger.ts';
import type { ConsumerOffer, PublishedTrack, ServerNotifications } from '../../protocol/index.ts';
import type { LessonMedia, Sfu } from '../../sfu/index.ts';
import type { Consumer } from '../../sfu/types.ts';
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
		peer.closeMedia();
		if (hadTracks) lesson.changed();
	}

	async #reconcile(peer: Peer): Promise<void> {
		const lesson = this.#lesson;
		const transport = peer.recvTransport;
		if (!peer.rtpCapabilities || !transport || lesson.peers.get(peer.id) !== peer) return;
		const media = await this.media();
		const live = await lesson.store.liveState(lesson.lessonId);
		const tracks = lesson.tracks();
		const wanted = wantedTracks({ participantId: peer.id, role: peer.participant.role, classroomId: peer.participant.classroomId }, tracks, live);
		for (const [producerId, consumer] of peer.consumers) {
			if (!wanted.has(producerId) || consumer.closed) {
				peer.consumers.delete(producerId);
				if (!consumer.closed) consumer.close();
				lesson.notify(peer, 'media.consumerClosed', { consumerId: consumer.id });
			}
		}
		for (const [producerId, layer] of wanted) {
			const existing = peer.consumers.get(producerId);
			if (existing) {
				// Only a change of policy (stage, audio-only) moves the layer: a layer the viewer chose
				// (media.setPreferredLayers) stays until the policy itself changes.
				if (layer !== undefined && existing.type === 'simulcast' && existing.appData.policyLayer !== layer) {
					existing.appData.policyLayer = layer;
					existing.appData.targetLayer = layer;
					await media.setTargetLayer(existing.id, layer);
				}
				continue;
			}
			const track = tracks.find((t) => t.producerId === producerId);
			if (!track || !media.canConsume(producerId, peer.rtpCapabilities)) continue;
			const consumer = await media.consume(transport.id, producerId, peer.rtpCapabilities, { targetSpatialLayer: layer }, {
				participantId: peer.id,
				targetLayer: layer,
				policyLayer: layer
			});
			peer.consumers.set(producerId, consumer);
			this.#wireConsumer(peer, consumer);
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

	#wireConsumer(peer: Peer, consumer: Consumer): void {
		const lesson = this.#lesson;
		const forget = () => {
			if (peer.consumers.get(consumer.producerId) === consumer) peer.consumers.delete(consumer.producerId);
		};
		consumer.on('producerclose', () => {
			forget();
			lesson.notify(peer, 'media.consumerClosed', { consumerId: consumer.id });
		});
		consumer.on('transportclose', forget);
		consumer.on('producerpause', () => lesson.notify(peer, 'media.consumerPaused', { consumerId: consumer.id, paused: true }));
		consumer.on('producerresume', () => lesson.notify(peer, 'media.consumerPaused', { consumerId: consumer.id, paused: false }));
		consumer.on('layerschange', (layers) =>
			lesson.notify(peer, 'media.consumerLayers', {
				consumerId: consumer.id,
				spatialLayer: layers?.spatialLayer ?? null,
				temporalLayer: layers?.temporalLayer ?? null
			})
		);
	}

	async #onMediaLost(): Promise<void> {
		const lesson = this.#lesson;
		log.warn({ lessonId: lesson.lessonId, peers: lesson.peers.size }, 'media lost with its worker; asking clients to rejoin media');
		lesson.bus.publish(lesson.lessonId, 'media.reset', { actor: 'system', role: 'system', classroomId: null }, { reason: 'worker_died' });
		for (const peer of lesson.peers.values()) peer.closeMedia();
		this.#media = null;
		// A fresh router on a live worker, ready before the clients come back.
		await this.media().catch((error: Error) => log.error({ err: error.message }, 'no router after worker death'));
		lesson.notify('all', 'media.reset', { reason: 'worker_died' });
		lesson.changed();
	}
}
