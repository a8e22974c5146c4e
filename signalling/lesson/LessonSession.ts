import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io';
import type { Consumer } from 'mediasoup/types';
import type { LessonMedia, Sfu } from '../../sfu/index.ts';
import type { LessonGrant } from '../auth/TokenService.ts';
import type { CatalogStore } from '../catalog/CatalogStore.ts';
import type { EventActor, EventBus } from '../../core/EventBus.ts';
import { inBackground } from '../../core/background.ts';
import { moduleLogger } from '../../core/logger.ts';
import type {
	ConsumerOffer,
	IceServer,
	JoinResult,
	LessonClassroom,
	LessonRecord,
	LessonSnapshot,
	PublishedTrack,
	Role,
	ServerNotifications
} from '../../protocol/index.ts';
import { publicPoll, RECORDING_OFF, type PollResults, type RecordingStatus, type RecordingStopReason } from '../../protocol/index.ts';
import { AppError } from '../../core/errors.ts';
import { countPoll } from './polls/countPoll.ts';
import type { BoardService } from '../board/BoardService.ts';
import type { DeckInfo, SurfaceState } from '../../protocol/index.ts';
import type { LessonStore, StoredSurface } from '../store/LessonStore.ts';
import type { PollDraftFiles } from '../store/PollDraftFiles.ts';
import { readSurface, writeSurface } from './surfaceState.ts';
import { audienceOf, chatVisibleTo, snapshotFor } from './audience.ts';
import { Broadcaster } from './Broadcaster.ts';
import { lessonAudience, type LessonChannel } from './LessonChannel.ts';
import { NetworkMonitor } from './NetworkMonitor.ts';
import type { Peer } from './Peer.ts';
import { actorOf, Presence } from './Presence.ts';
import { SpeakerTracker } from './SpeakerTracker.ts';
import { wantedTracks } from './subscriptions.ts';

const log = moduleLogger('lesson');

export const CHAT_HISTORY = 200;

/**
 * The recorder as a live lesson sees it (recorder/RecordingService implements it; app.ts wires it).
 * The recorder reads the session through the narrow view it declares itself (recorder/types.ts).
 */
export interface LessonRecorder {
	/** What the snapshot shows (the REC indicator, the teacher's warning). */
	status(lessonId: string, auto: boolean): RecordingStatus;
	/**
	 * Starts a new part (`by`: the teacher, or null for auto-record). Refusals are errors with an
	 * ErrorCode `code`: `conflict` when recording already, `unavailable` when the disk is nearly full.
	 */
	start(session: LessonSession, by: EventActor | null): Promise<void>;
	stop(lessonId: string, reason: RecordingStopReason, by?: EventActor | null): Promise<void>;
	/** The lesson ended: stop and finalise. */
	lessonEnded(lessonId: string): Promise<void>;
	/** Everyone left (past the grace): stop and finalise what was recorded. */
	idle(lessonId: string): Promise<void>;
}

export interface LessonSessionDeps {
	channel: LessonChannel;
	/** The media engine; a lesson without one (a test of what needs no media) never starts a worker. */
	sfu?: Sfu;
	store: LessonStore;
	bus: EventBus;
	catalog: CatalogStore;
	reconnectGraceMs: number;
	/** STUN/TURN servers (with credentials) for one participant. */
	iceServersFor?: (participantId: string) => IceServer[];
	boards: BoardService;
	/** Prepared polls kept in the data folder (they outlive a restart of the memory store). */
	pollDrafts?: PollDraftFiles;
	/** The lesson's uploaded decks, oldest first. */
	decks: { list(lessonId: string): Promise<DeckInfo[]> };
	tldrawLicenseKey?: string | null;
	/** Called when nobody is connected and nobody is within the reconnect grace any more. */
	onIdle?: (session: LessonSession) => void;
	recorder?: LessonRecorder;
}

/**
 * One live lesson on this node: its peers, the mapping from lesson state to who receives which
 * media, and the snapshot every client renders. Handlers (signalling/handlers) change state through
 * the store and then call `changed()`.
 */
export class LessonSession {
	readonly lessonId: string;
	readonly record: LessonRecord;
	readonly classrooms: LessonClassroom[];
	readonly #deps: LessonSessionDeps;
	readonly #presence: Presence;
	readonly #broadcaster: Broadcaster;
	readonly #speakers: SpeakerTracker;
	readonly #network: NetworkMonitor;
	#media: LessonMedia | null = null;
	#draftsRestored: Promise<void> | null = null;
	#ended = false;

	constructor(record: LessonRecord, deps: LessonSessionDeps) {
		this.lessonId = record.id;
		this.record = record;
		this.#deps = deps;
		this.classrooms = record.classroomIds.map((id) => {
			const classroom = deps.catalog.classroom(id);
			const school = classroom ? deps.catalog.school(classroom.schoolId) : undefined;
			return {
				id,
				name: classroom?.name ?? id,
				schoolName: school?.name ?? '',
				locale: school?.locale ?? 'rural',
				joinCode: record.joinCodes[id] ?? ''
			};
		});
		this.#presence = new Presence({
			record,
			classrooms: this.classrooms,
			store: deps.store,
			bus: deps.bus,
			catalog: deps.catalog,
			channel: deps.channel,
			reconnectGraceMs: deps.reconnectGraceMs,
			ended: () => this.#ended,
			changed: (scope) => this.changed(scope),
			dropPeerMedia: (peer) => this.#dropPeerMedia(peer),
			emptied: () => this.#emptied()
		});
		this.#broadcaster = new Broadcaster({
			lessonId: this.lessonId,
			classrooms: this.classrooms,
			channel: deps.channel,
			snapshot: () => this.snapshot(),
			afterBroadcast: () => {
				for (const peer of this.peers.values()) this.reconcile(peer);
			}
		});
		this.#speakers = new SpeakerTracker({
			lessonId: this.lessonId,
			bus: deps.bus,
			tracks: () => this.tracks(),
			actorOf: (participantId) => {
				const peer = this.peers.get(participantId);
				return peer ? this.actorOf(peer) : null;
			},
			toLesson: (name, payload) => this.notify('all', name, payload)
		});
		this.#network = new NetworkMonitor(this, deps.bus);
	}

	/** The peers connected to this lesson on this node, by participant id. */
	get peers(): Map<string, Peer> {
		return this.#presence.peers;
	}

	get store(): LessonStore {
		return this.#deps.store;
	}

	get bus(): EventBus {
		return this.#deps.bus;
	}

	/** Puts prepared polls kept in the data folder back into a store that lost them (a restart). */
	async #restoreDrafts(): Promise<void> {
		const files = this.#deps.pollDrafts;
		if (!files) return;
		const known = new Set((await this.store.polls(this.lessonId)).map((p) => p.id));
		const kept = await files.load(this.lessonId);
		for (const draft of kept) if (!known.has(draft.id)) await this.store.saveDraft(this.lessonId, draft);
		if (kept.some((d) => !known.has(d.id))) log.info({ lessonId: this.lessonId, restored: kept.length }, 'prepared polls restored');
	}

	/** Keeps the prepared polls in the data folder after the list changed. */
	async keepDrafts(): Promise<void> {
		const files = this.#deps.pollDrafts;
		if (files) await files.save(this.lessonId, await this.store.polls(this.lessonId));
	}

	get boards(): BoardService {
		return this.#deps.boards;
	}

	get catalog(): CatalogStore {
		return this.#deps.catalog;
	}

	async decks(): Promise<DeckInfo[]> {
		return this.#deps.decks.list(this.lessonId);
	}

	/** What is shown, the blank boards and the drawers (without the decks). */
	storedSurface(): Promise<StoredSurface> {
		return readSurface(this.store, this.#deps.boards.storage, this.lessonId);
	}

	saveSurface(surface: StoredSurface): Promise<void> {
		return writeSurface(this.store, this.#deps.boards.storage, this.lessonId, surface);
	}

	async surface(): Promise<SurfaceState> {
		const [stored, decks] = await Promise.all([this.storedSurface(), this.decks()]);
		return { ...stored, decks };
	}

	get room(): string {
		return lessonAudience(this.lessonId);
	}

	/** The audience of one role, or of one role in one classroom (every joined socket is in both). */
	roleRoom(role: Role, classroomId?: string | null): string {
		return this.#broadcaster.roleAudience(role, classroomId);
	}

	/** Sends to everyone in any of these audiences, once each. */
	notifyRooms<N extends keyof ServerNotifications>(rooms: string[], name: N, payload: ServerNotifications[N]): void {
		this.#deps.channel.toAudiences(rooms, name, payload);
	}

	get isEmpty(): boolean {
		return this.#presence.isEmpty;
	}

	actorOf(peer: Peer): EventActor {
		return actorOf(peer.participant);
	}

	classroom(id: string): LessonClassroom | undefined {
		return this.classrooms.find((c) => c.id === id);
	}

	/** The lesson's router, created (again, after a worker death) when needed. */
	async media(): Promise<LessonMedia> {
		if (this.#media && !this.#media.closed) return this.#media;
		if (!this.#deps.sfu) throw new AppError('unavailable', 'this lesson has no media');
		const media = await this.#deps.sfu.lessonMedia(this.lessonId);
		if (media !== this.#media) {
			this.#media = media;
			media.on('volumes', (loudest) => this.#speakers.loudest(loudest));
			media.once('closed', (reason) => {
				if (reason === 'worker_died') inBackground(log, 'recovering from a worker death', this.#onMediaLost(), { lessonId: this.lessonId });
			});
		}
		return media;
	}

	notify<N extends keyof ServerNotifications>(target: Peer | 'all', name: N, payload: ServerNotifications[N]): void {
		if (target === 'all') this.#deps.channel.toLesson(name, payload);
		else this.#deps.channel.toSocket(target.socket.id, name, payload);
	}

	async join(socket: Socket, grant: LessonGrant, displayName: string | undefined): Promise<JoinResult> {
		if (this.#ended || this.#deps.catalog.lesson(this.lessonId)?.status === 'ended') throw new AppError('conflict', 'this lesson has ended');
		await (this.#draftsRestored ??= this.#restoreDrafts());
		const peer = await this.#presence.join(socket, grant, displayName);
		const participant = peer.participant;
		const media = this.#deps.sfu ? await this.media() : null;
		if (media) this.#network.ensureRunning();
		const [lesson, chat] = await Promise.all([this.snapshot(), this.store.chat(this.lessonId, CHAT_HISTORY)]);
		// Nobody sees observers come or go; everyone else's arrival changes what others see.
		if (grant.role !== 'observer') this.changed(grant.role === 'student' ? 'roster' : 'all');
		if (grant.role === 'teacher' && this.record.autoRecord) this.#autoRecord();
		return {
			self: participant,
			lesson: snapshotFor(lesson, audienceOf(grant.role), grant.classroomId),
			chat: chat.filter((message) => chatVisibleTo(message, participant)),
			routerRtpCapabilities: (media?.clientRtpCapabilities ?? {}) as unknown as JoinResult['routerRtpCapabilities'],
			iceServers: this.#deps.iceServersFor?.(participant.id) ?? [],
			tldrawLicenseKey: this.#deps.tldrawLicenseKey ?? null
		};
	}

	/** The socket closed: media goes at once; identity, hand and presence wait out the grace period. */
	disconnected(socket: Socket): Promise<void> {
		return this.#presence.disconnected(socket);
	}

	/** Nobody is connected or within the grace: the recording stops, and the session may go. */
	async #emptied(): Promise<void> {
		// The recording stops while the router is still there; someone may come back meanwhile.
		await this.#deps.recorder?.idle(this.lessonId).catch((error: Error) => log.error({ lessonId: this.lessonId, err: error.message }, 'recording idle stop failed'));
		if (this.isEmpty && !this.#ended) this.#deps.onIdle?.(this);
	}

	/** Auto-recorded lessons start (or resume, after a restart) once the teacher is in. */
	#autoRecord(): void {
		const recorder = this.#deps.recorder;
		if (!recorder || recorder.status(this.lessonId, true).state !== 'off') return;
		recorder.start(this, null).catch((error: Error & { code?: string }) => {
			if (error.code !== 'conflict') log.warn({ lessonId: this.lessonId, err: error.message }, 'auto-record did not start');
		});
	}

	get recorder(): LessonRecorder | undefined {
		return this.#deps.recorder;
	}

	get ended(): boolean {
		return this.#ended;
	}

	/**
	 * The teacher ended the lesson: the catalog marks it ended (no link joins it again), the recording
	 * stops and is finalised, every client is told and disconnected, and the session is released.
	 */
	async end(by: Peer): Promise<void> {
		if (this.#ended) return;
		this.#ended = true;
		const at = Date.now();
		await this.#deps.catalog.setLessonStatus(this.lessonId, 'ended');
		this.bus.publish(this.lessonId, 'lesson.ended', this.actorOf(by), {}, at);
		await this.#deps.recorder?.lessonEnded(this.lessonId).catch((error: Error) => log.error({ lessonId: this.lessonId, err: error.message }, 'recording did not stop cleanly at lesson end'));
		this.notify('all', 'lesson.ended', { at });
		log.info({ lessonId: this.lessonId }, 'lesson ended by the teacher');
		// After the teacher's ack has gone out: everyone off, then the session and router go.
		setImmediate(() => {
			// Every socket of the lesson, also those that connected and never joined.
			this.#deps.channel.closeAll();
			this.#presence.forgetAbsent();
			this.#deps.onIdle?.(this);
		});
	}

	/** A poll's full results as the teacher saw them (the recording keeps them at close and reveal). */
	async pollResults(pollId: string): Promise<PollResults | null> {
		const poll = await this.store.poll(this.lessonId, pollId);
		if (!poll || poll.status === 'draft') return null;
		return (await countPoll(this, poll)).results;
	}

	/**
	 * Coalesces changes into one snapshot broadcast (cut per audience) and one consumer
	 * reconciliation. 'roster': only a student came or went, which students' own snapshots do not
	 * show, so phones are not sent one.
	 */
	changed(scope: 'all' | 'roster' = 'all'): void {
		this.#broadcaster.changed(scope);
	}

	tracks(): PublishedTrack[] {
		return [...this.peers.values()].flatMap((p) => [...p.tracks.values()]);
	}

	async snapshot(): Promise<LessonSnapshot> {
		const [live, hands, stored, surface, version] = await Promise.all([
			this.store.liveState(this.lessonId),
			this.store.hands(this.lessonId),
			this.store.participants(this.lessonId),
			this.surface(),
			this.store.bumpVersion(this.lessonId)
		]);
		const current = live.currentPollId ? await this.store.poll(this.lessonId, live.currentPollId) : null;
		const participants = stored
			.filter((p) => p.role !== 'observer') // observers watch unseen
			.map((p) => ({ ...p, online: this.peers.has(p.id) }))
			.sort((a, b) => a.joinedAt - b.joinedAt);
		return {
			lessonId: this.lessonId,
			title: this.record.title,
			teacherName: this.record.teacherName,
			version,
			serverTime: Date.now(),
			classrooms: this.classrooms,
			stageClassroomId: live.stageClassroomId,
			hands,
			chatMuted: live.chatMuted,
			participants,
			audioOnlyClassroomIds: live.audioOnlyClassroomIds,
			tracks: this.tracks(),
			surface,
			studentChat: live.studentChat,
			poll: current ? publicPoll(current, current.results) : null,
			recording: this.#deps.recorder?.status(this.lessonId, this.record.autoRecord) ?? { ...RECORDING_OFF, auto: this.record.autoRecord }
		};
	}

	/** Brings a peer's consumers in line with the media policy. Serialised per peer. */
	reconcile(peer: Peer): void {
		peer.reconciling = peer.reconciling.then(() => this.#reconcile(peer)).catch((error: Error) => {
			log.warn({ lessonId: this.lessonId, participantId: peer.id, err: error.message }, 'reconcile failed');
		});
	}

	async #reconcile(peer: Peer): Promise<void> {
		const transport = peer.recvTransport;
		if (!peer.rtpCapabilities || !transport || this.peers.get(peer.id) !== peer) return;
		const media = await this.media();
		const live = await this.store.liveState(this.lessonId);
		const tracks = this.tracks();
		const wanted = wantedTracks({ participantId: peer.id, role: peer.participant.role, classroomId: peer.participant.classroomId }, tracks, live);
		for (const [producerId, consumer] of peer.consumers) {
			if (!wanted.has(producerId) || consumer.closed) {
				peer.consumers.delete(producerId);
				if (!consumer.closed) consumer.close();
				this.notify(peer, 'media.consumerClosed', { consumerId: consumer.id });
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
			this.notify(peer, 'media.consumer', offer);
		}
	}

	#wireConsumer(peer: Peer, consumer: Consumer): void {
		const forget = () => {
			if (peer.consumers.get(consumer.producerId) === consumer) peer.consumers.delete(consumer.producerId);
		};
		consumer.on('producerclose', () => {
			forget();
			this.notify(peer, 'media.consumerClosed', { consumerId: consumer.id });
		});
		consumer.on('transportclose', forget);
		consumer.on('producerpause', () => this.notify(peer, 'media.consumerPaused', { consumerId: consumer.id, paused: true }));
		consumer.on('producerresume', () => this.notify(peer, 'media.consumerPaused', { consumerId: consumer.id, paused: false }));
		consumer.on('layerschange', (layers) =>
			this.notify(peer, 'media.consumerLayers', {
				consumerId: consumer.id,
				spatialLayer: layers?.spatialLayer ?? null,
				temporalLayer: layers?.temporalLayer ?? null
			})
		);
	}

	#dropPeerMedia(peer: Peer): void {
		const hadTracks = peer.tracks.size > 0;
		for (const track of peer.tracks.values()) {
			this.bus.publish(this.lessonId, 'media.unpublished', this.actorOf(peer), { producerId: track.producerId, source: track.source });
		}
		peer.closeMedia();
		if (hadTracks) this.changed();
	}

	async #onMediaLost(): Promise<void> {
		log.warn({ lessonId: this.lessonId, peers: this.peers.size }, 'media lost with its worker; asking clients to rejoin media');
		this.bus.publish(this.lessonId, 'media.reset', { actor: 'system', role: 'system', classroomId: null }, { reason: 'worker_died' });
		for (const peer of this.peers.values()) peer.closeMedia();
		this.#media = null;
		// A fresh router on a live worker, ready before the clients come back.
		await this.media().catch((error: Error) => log.error({ err: error.message }, 'no router after worker death'));
		this.notify('all', 'media.reset', { reason: 'worker_died' });
		this.changed();
	}

	newChatId(): string {
		return randomUUID();
	}

	close(): void {
		this.#network.stop();
		this.#presence.forgetAbsent();
		for (const peer of this.peers.values()) peer.closeMedia();
		this.peers.clear();
	}
}
