import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io';
import type { LessonMedia, Sfu } from '../../sfu/index.ts';
import type { LessonGrant } from '../auth/TokenService.ts';
import type { CatalogStore } from '../catalog/CatalogStore.ts';
import type { EventActor, EventBus } from '../../core/EventBus.ts';
import { moduleLogger } from '../../core/logger.ts';
import type {
	ClassReplayInfo,
	IceServer,
	JoinResult,
	LessonClassroom,
	LessonRecord,
	LessonSnapshot,
	PublishedTrack,
	Role,
	ServerNotifications
} from '../../protocol/index.ts';
import { publicPoll, RECORDING_OFF, type RecordingStatus, type RecordingStopReason } from '../../protocol/index.ts';
import { AppError } from '../../core/errors.ts';
import type { BoardService } from '../board/BoardService.ts';
import type { DeckInfo, SurfaceState } from '../../protocol/index.ts';
import type { LessonStore, StoredSurface } from '../store/LessonStore.ts';
import type { PollDraftFiles } from '../store/PollDraftFiles.ts';
import { readSurface, writeSurface } from './surfaceState.ts';
import { audienceOf, chatVisibleTo, snapshotFor } from './audience.ts';
import { Broadcaster } from './Broadcaster.ts';
import { commit, pending, type Change } from './commit.ts';
import type { LessonChannel } from './LessonChannel.ts';
import { MediaPolicy } from './MediaPolicy.ts';
import { LinkGuard } from './LinkGuard.ts';
import type { LinkMode, LinkReading } from './LinkFallback.ts';
import { NetworkMonitor } from './NetworkMonitor.ts';
import type { Peer } from './Peer.ts';
import { actorOf, Presence } from './Presence.ts';
import { SpeakerTracker } from './SpeakerTracker.ts';

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
	readonly #linkGuard: LinkGuard;
	readonly #mediaPolicy: MediaPolicy | null;
	#draftsRestored: Promise<void> | null = null;
	#ended = false;
	#replay: { info(): ClassReplayInfo; stop(): void } | null = null;

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
		this.#linkGuard = new LinkGuard(this);
		this.#mediaPolicy = deps.sfu ? new MediaPolicy(this, deps.sfu, (loudest) => this.#speakers.loudest(loudest)) : null;
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

	/** The audience of one role, or of one role in one classroom (every joined socket is in both). */
	roleAudience(role: Role, classroomId?: string | null): string {
		return this.#broadcaster.roleAudience(role, classroomId);
	}

	/** Sends to everyone in any of these audiences, once each. */
	notifyAudiences<N extends keyof ServerNotifications>(audiences: string[], name: N, payload: ServerNotifications[N]): void {
		this.#deps.channel.toAudiences(audiences, name, payload);
	}

	get isEmpty(): boolean {
		return this.#presence.isEmpty;
	}

	/** Makes a state change through the one commit path (commit.ts), as `by` (a peer or a system actor). */
	commit<R>(by: Peer | EventActor, change: Change<R>): Promise<R> {
		return commit(this, 'actor' in by ? by : this.actorOf(by), change);
	}

	actorOf(peer: Peer): EventActor {
		return actorOf(peer.participant);
	}

	classroom(id: string): LessonClassroom | undefined {
		return this.classrooms.find((c) => c.id === id);
	}

	/** The lesson's router, created (again, after a worker death) when needed. */
	media(): Promise<LessonMedia> {
		if (!this.#mediaPolicy) return Promise.reject(new AppError('unavailable', 'this lesson has no media'));
		return this.#mediaPolicy.media();
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
		if (media) {
			this.#network.ensureRunning();
			this.#linkGuard.ensureRunning();
		}
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

	/** A replayed session's playback (signalling/handlers/classReplay), shown in every snapshot. */
	attachReplay(replay: { info(): ClassReplayInfo; stop(): void }): void {
		this.#replay = replay;
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
		await this.commit(by, {
			apply: () => this.#deps.catalog.setLessonStatus(this.lessonId, 'ended'),
			events: () => [pending('lesson.ended', {}, { at })],
			broadcast: 'none'
		});
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
			weakLinkClassroomIds: this.#linkGuard.fallbackClassroomIds,
			tracks: this.tracks(),
			surface,
			studentChat: live.studentChat,
			poll: current ? publicPoll(current, current.results) : null,
			recording: this.#deps.recorder?.status(this.lessonId, this.record.autoRecord) ?? { ...RECORDING_OFF, auto: this.record.autoRecord },
			...(this.#replay ? { replay: this.#replay.info() } : {})
		};
	}

	/** The link guard (tests feed it readings through `observe`). */
	get linkGuard(): LinkGuard {
		return this.#linkGuard;
	}

	weakLinkClassroomIds(): readonly string[] {
		return this.#linkGuard.fallbackClassroomIds;
	}

	/** The link guard moved a room: its event, then a snapshot and a reconcile (video consumers go or come back). */
	async linkModeChanged(classroomId: string, mode: LinkMode, reading: LinkReading | null): Promise<void> {
		await this.commit(
			{ actor: 'system', role: 'system', classroomId },
			{
				apply: async () => mode,
				events: () => [
					pending('linkMode.changed', {
						mode,
						availableBitrate: reading?.availableBitrate ?? null,
						lossFraction: reading === null ? null : Math.round(reading.lossFraction * 1000) / 1000
					})
				]
			}
		);
	}

	/** Brings a peer's consumers in line with the media policy. */
	reconcile(peer: Peer): void {
		this.#mediaPolicy?.reconcile(peer);
	}

	#dropPeerMedia(peer: Peer): void {
		this.#mediaPolicy?.dropPeerMedia(peer);
	}

	newChatId(): string {
		return randomUUID();
	}

	close(): void {
		this.#replay?.stop();
		this.#network.stop();
		this.#linkGuard.stop();
		this.#presence.forgetAbsent();
		for (const peer of this.peers.values()) this.#mediaPolicy?.closePeerMedia(peer);
		this.peers.clear();
	}
}
