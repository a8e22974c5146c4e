import { randomUUID } from 'node:crypto';
import type { Server, Socket } from 'socket.io';
import type { Consumer } from 'mediasoup/types';
import type { LessonMedia, Sfu } from '../../sfu/index.ts';
import type { LessonGrant } from '../auth/TokenService.ts';
import type { CatalogStore } from '../catalog/CatalogStore.ts';
import type { EventActor, EventBus } from '../../core/EventBus.ts';
import { inBackground } from '../../core/background.ts';
import { moduleLogger } from '../../core/logger.ts';
import type {
	ActiveSpeaker,
	ConsumerOffer,
	IceServer,
	JoinResult,
	LessonClassroom,
	LessonRecord,
	LessonSnapshot,
	Participant,
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
import { NetworkMonitor } from './NetworkMonitor.ts';
import { Peer } from './Peer.ts';
import { lessonSocketsRoom } from './socketRooms.ts';
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
	io: Server;
	sfu: Sfu;
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
	readonly peers = new Map<string, Peer>();
	readonly #leaveTimers = new Map<string, NodeJS.Timeout>();
	readonly #network: NetworkMonitor;
	#media: LessonMedia | null = null;
	#snapshotQueued = false;
	#draftsRestored: Promise<void> | null = null;
	/** Whether a pending change may matter to students (their snapshot leaves the other students out). */
	#studentsStale = false;
	#speaker: { participantId: string; since: number } | null = null;
	#lastAnnouncedSpeaker: string | null = null;
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
		this.#network = new NetworkMonitor(this, deps.bus);
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
		return `lesson:${this.lessonId}`;
	}

	/** The socket.io room of one role, or of one role in one classroom (every socket joins both). */
	roleRoom(role: Role, classroomId?: string | null): string {
		return classroomId ? `${this.room}:${role}:${classroomId}` : `${this.room}:${role}`;
	}

	/** Sends to everyone in any of these rooms, once each (across nodes with the Redis adapter). */
	notifyRooms<N extends keyof ServerNotifications>(rooms: string[], name: N, payload: ServerNotifications[N]): void {
		if (rooms.length > 0) this.#deps.io.to(rooms).emit(name, payload);
	}

	get isEmpty(): boolean {
		return this.peers.size === 0 && this.#leaveTimers.size === 0;
	}

	actorOf(peer: Peer): EventActor {
		return { actor: peer.id, role: peer.participant.role, classroomId: peer.participant.classroomId };
	}

	classroom(id: string): LessonClassroom | undefined {
		return this.classrooms.find((c) => c.id === id);
	}

	/** The lesson's router, created (again, after a worker death) when needed. */
	async media(): Promise<LessonMedia> {
		if (this.#media && !this.#media.closed) return this.#media;
		const media = await this.#deps.sfu.lessonMedia(this.lessonId);
		if (media !== this.#media) {
			this.#media = media;
			media.on('volumes', (loudest) => this.#onVolumes(loudest));
			media.once('closed', (reason) => {
				if (reason === 'worker_died') inBackground(log, 'recovering from a worker death', this.#onMediaLost(), { lessonId: this.lessonId });
			});
		}
		return media;
	}

	notify<N extends keyof ServerNotifications>(target: Peer | 'all', name: N, payload: ServerNotifications[N]): void {
		if (target === 'all') this.#deps.io.to(this.room).emit(name, payload);
		else target.socket.emit(name, payload);
	}

	async join(socket: Socket, grant: LessonGrant, displayName: string | undefined): Promise<JoinResult> {
		if (this.#ended || this.#deps.catalog.lesson(this.lessonId)?.status === 'ended') throw new AppError('conflict', 'this lesson has ended');
		await (this.#draftsRestored ??= this.#restoreDrafts());
		const participantId = socket.data.participantId as string;
		const existing = this.peers.get(participantId);
		let rejoin = this.#leaveTimers.has(participantId);
		if (existing && existing.socket.id !== socket.id) {
			// A new connection for the same identity (a reconnect, or the link opened elsewhere).
			rejoin = true;
			existing.socket.data.replaced = true;
			existing.socket.emit('session.replaced', {});
			existing.socket.disconnect(true);
			this.#dropPeerMedia(existing);
		} else if (existing) {
			// The same socket joins again (e.g. after media.reset): fresh media, same identity.
			rejoin = true;
			this.#dropPeerMedia(existing);
		}
		clearTimeout(this.#leaveTimers.get(participantId));
		this.#leaveTimers.delete(participantId);

		const participant: Participant = {
			id: participantId,
			role: grant.role,
			classroomId: grant.classroomId,
			// A student is called what the class list says, whatever the phone sends.
			displayName: (grant.role === 'student' ? undefined : displayName) ?? this.#defaultName(grant),
			online: true,
			joinedAt: existing?.participant.joinedAt ?? Date.now()
		};
		const peer = new Peer(participant, socket);
		this.peers.set(participantId, peer);
		socket.join([this.room, this.roleRoom(grant.role), ...(grant.classroomId ? [this.roleRoom(grant.role, grant.classroomId)] : [])]);
		// Observers watch unseen, each connection an identity of its own: nothing of them is kept.
		if (grant.role !== 'observer') await this.store.putParticipant(this.lessonId, participant);
		if (this.#deps.catalog.lesson(this.lessonId)?.status === 'scheduled') {
			await this.#deps.catalog.setLessonStatus(this.lessonId, 'live').catch((error: Error) => log.warn({ lessonId: this.lessonId, err: error.message }, 'lesson not marked live'));
		}
		this.bus.publish(this.lessonId, 'participant.joined', this.actorOf(peer), { displayName: participant.displayName, rejoin });
		const media = await this.media();
		this.#network.ensureRunning();
		const [lesson, chat] = await Promise.all([this.snapshot(), this.store.chat(this.lessonId, CHAT_HISTORY)]);
		// Nobody sees observers come or go; everyone else's arrival changes what others see.
		if (grant.role !== 'observer') this.changed(grant.role === 'student' ? 'roster' : 'all');
		if (grant.role === 'teacher' && this.record.autoRecord) this.#autoRecord();
		log.info({ lessonId: this.lessonId, participantId, role: grant.role, rejoin }, 'joined');
		return {
			self: participant,
			lesson: snapshotFor(lesson, audienceOf(grant.role), grant.classroomId),
			chat: chat.filter((message) => chatVisibleTo(message, participant)),
			routerRtpCapabilities: media.clientRtpCapabilities as unknown as JoinResult['routerRtpCapabilities'],
			iceServers: this.#deps.iceServersFor?.(participantId) ?? [],
			tldrawLicenseKey: this.#deps.tldrawLicenseKey ?? null
		};
	}

	/** The socket closed: media goes at once; identity, hand and presence wait out the grace period. */
	async disconnected(socket: Socket): Promise<void> {
		const participantId = socket.data.participantId as string;
		const peer = this.peers.get(participantId);
		if (!peer || peer.socket.id !== socket.id) return;
		this.#dropPeerMedia(peer);
		this.peers.delete(participantId);
		if (this.#ended) return; // nobody comes back to an ended lesson
		if (peer.participant.role === 'observer') {
			// An observer's next connection is a new identity: there is no place to keep for it.
			await this.#left(peer.participant, 'disconnect');
			return;
		}
		const offline = { ...peer.participant, online: false };
		await this.store.putParticipant(this.lessonId, offline);
		this.changed(offline.role === 'student' ? 'roster' : 'all');
		this.#leaveTimers.set(
			participantId,
			setTimeout(() => inBackground(log, 'leaving after the grace', this.#left(offline, 'timeout'), { lessonId: this.lessonId, participantId }), this.#deps.reconnectGraceMs)
		);
	}

	async #left(participant: Participant, reason: 'timeout' | 'disconnect'): Promise<void> {
		this.#leaveTimers.delete(participant.id);
		if (this.peers.has(participant.id)) return;
		const actor: EventActor = { actor: participant.id, role: participant.role, classroomId: participant.classroomId };
		const hand = await this.store.lowerHand(this.lessonId, participant.id);
		if (hand) this.bus.publish(this.lessonId, 'hand.lowered', actor, { participantId: participant.id, by: 'leave' });
		this.bus.publish(this.lessonId, 'participant.left', actor, { reason });
		if (participant.role !== 'observer') this.changed(hand || participant.role !== 'student' ? 'all' : 'roster');
		if (!this.isEmpty) return;
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
			this.#deps.io.in([this.room, lessonSocketsRoom(this.lessonId)]).disconnectSockets(true);
			for (const timer of this.#leaveTimers.values()) clearTimeout(timer);
			this.#leaveTimers.clear();
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
		if (scope === 'all') this.#studentsStale = true;
		if (this.#snapshotQueued) return;
		this.#snapshotQueued = true;
		setImmediate(() => {
			this.#snapshotQueued = false;
			void this.#broadcast();
		});
	}

	async #broadcast(): Promise<void> {
		const toStudents = this.#studentsStale;
		this.#studentsStale = false;
		try {
			const snapshot = await this.snapshot();
			this.notifyRooms([this.roleRoom('teacher'), this.roleRoom('observer')], 'lesson.snapshot', snapshot);
			for (const classroom of this.classrooms) {
				const rooms = [this.roleRoom('classroom', classroom.id), this.roleRoom('assistant', classroom.id)];
				this.notifyRooms(rooms, 'lesson.snapshot', snapshotFor(snapshot, 'classroom', classroom.id));
				// Students get a slimmer snapshot, and only when something they see may have changed.
				if (toStudents) this.notifyRooms([this.roleRoom('student', classroom.id)], 'lesson.snapshot', snapshotFor(snapshot, 'student', classroom.id));
			}
			for (const peer of this.peers.values()) this.reconcile(peer);
		} catch (error) {
			this.#studentsStale ||= toStudents;
			log.error({ lessonId: this.lessonId, err: (error as Error).message }, 'snapshot failed');
		}
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

	#onVolumes(loudest: { producerId: string; volume: number } | null): void {
		const track = loudest ? this.tracks().find((t) => t.producerId === loudest.producerId) : undefined;
		const participantId = track?.participantId ?? null;
		const now = Date.now();
		if (this.#speaker && this.#speaker.participantId !== participantId) {
			const previous = this.peers.get(this.#speaker.participantId);
			if (previous) {
				this.bus.publish(this.lessonId, 'speaking.segment', this.actorOf(previous), {
					participantId: previous.id,
					startedAt: this.#speaker.since,
					durationMs: now - this.#speaker.since
				});
			}
			this.#speaker = null;
		}
		if (participantId && !this.#speaker) this.#speaker = { participantId, since: now };
		if (participantId === this.#lastAnnouncedSpeaker) return;
		this.#lastAnnouncedSpeaker = participantId;
		const active: ActiveSpeaker = { participantId, classroomId: track?.classroomId ?? null, volume: loudest?.volume ?? null };
		this.notify('all', 'speaker.active', active);
	}

	#defaultName(grant: LessonGrant): string {
		const classroom = grant.classroomId ? this.classroom(grant.classroomId) : undefined;
		switch (grant.role) {
			case 'teacher':
				return this.record.teacherName;
			case 'classroom':
				return classroom?.name ?? 'Classroom';
			case 'assistant':
				// The role badge in every view says "assistant" in the viewer's language.
				return classroom?.name ?? 'Assistant';
			case 'observer':
				return 'Observer';
			case 'student':
				return this.#deps.catalog.resolveStudent(grant.participantId)?.name ?? 'Student';
			default:
				return 'Student';
		}
	}

	newChatId(): string {
		return randomUUID();
	}

	close(): void {
		this.#network.stop();
		for (const timer of this.#leaveTimers.values()) clearTimeout(timer);
		this.#leaveTimers.clear();
		for (const peer of this.peers.values()) peer.closeMedia();
		this.peers.clear();
	}
}
