import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import { Server, type Socket } from 'socket.io';
import type { Sfu } from '../sfu/index.ts';
import { TokenError, type LessonGrant, type TokenService } from './auth/TokenService.ts';
import type { CatalogStore } from './catalog/CatalogStore.ts';
import { turnIceServers, type TurnConfig } from './auth/turnCredentials.ts';
import { AppError } from '../core/errors.ts';
import { wireError } from '../core/errorAnswers.ts';
import type { BoardService } from './board/BoardService.ts';
import type { PollDraftFiles } from './store/PollDraftFiles.ts';
import type { EventBus } from '../core/EventBus.ts';
import { adapterRedis } from './adapterRedis.ts';
import { admitRequest } from './handlers/admit.ts';
import { HANDLERS } from './handlers/index.ts';
import { loadClassReplay, type ClassReplaySource } from './handlers/classReplay/ClassReplay.ts';
import { resumePollTimer } from './handlers/polls/lifecycle.ts';
import { LessonSession, type LessonRecorder } from './lesson/LessonSession.ts';
import { lessonSocketsRoom } from './lesson/socketRooms.ts';
import { socketIoChannel } from './lesson/socketIoChannel.ts';
import { moduleLogger } from '../core/logger.ts';
import { Requests, type Ack, type DeckInfo, type RequestName, type WireError } from '../protocol/index.ts';
import { RequestRates } from './requestRates.ts';
import type { RateLimitFactory } from './rates/rateLimits.ts';
import { inBackground } from '../core/background.ts';
import type { LessonStore } from './store/LessonStore.ts';
import { assertCurrentHolder } from './auth/currentHolder.ts';

const log = moduleLogger('signalling');

/** Largest message a peer may send (SDP-sized objects fit easily). */
const MAX_MESSAGE_BYTES = 64 * 1024;

export interface SignallingDeps {
	sfu: Sfu;
	store: LessonStore;
	bus: EventBus;
	catalog: CatalogStore;
	tokens: TokenService;
	reconnectGraceMs: number;
	/** When set, broadcasts fan out across nodes through Redis streams. */
	redisUrl?: string;
	turn?: TurnConfig | null;
	boards: BoardService;
	pollDrafts?: PollDraftFiles;
	decks: { list(lessonId: string): Promise<DeckInfo[]> };
	tldrawLicenseKey?: string | null;
	recorder?: LessonRecorder;
	/** Recorded lessons for replayed sessions (the recorder's packages). */
	replays?: ClassReplaySource;
	/** Multiplies every per-participant request rate (REQUEST_RATE_SCALE; load tests). */
	requestRateScale?: number;
	/** Where the request rate counters live: shared between nodes with Redis; absent: this process's memory. */
	rateLimits?: RateLimitFactory;
	/** In a cluster: the node a socket reached the lesson through, when another node forwarded it (its media is held there). */
	edgeOf?: (req: IncomingMessage) => string | null;
}

interface SocketData {
	grant: LessonGrant;
	participantId: string;
	joined: boolean;
	replaced?: boolean;
	/** Refusals already logged for this socket, so a flood of bad requests is one log line each. */
	logged?: Set<string>;
	/** The cluster node that forwarded this socket here (see Peer.edgeNodeId). */
	edgeNodeId?: string;
}


/** How often the server pings each socket, and how long it waits for the pong before dropping it. */
export const PING_INTERVAL_MS = 5_000;
export const PING_TIMEOUT_MS = 15_000;

/**
 * socket.io on the app's HTTP server: authenticates every connection by its lesson token, then
 * for every request validates the payload (zod), checks the sender's role, rate-limits chat and
 * hands, runs the feature handler and answers `{ ok, data } | { ok: false, error }`.
 */
export class SignallingServer {
	readonly io: Server;
	readonly #deps: SignallingDeps;
	readonly #sessions = new Map<string, LessonSession>();
	readonly #rates: RequestRates;
	readonly #redis: Redis | null = null;

	constructor(httpServer: HttpServer, deps: SignallingDeps) {
		this.#deps = deps;
		this.#rates = new RequestRates(deps.requestRateScale ?? 1, deps.rateLimits);
		this.io = new Server(httpServer, {
			path: '/socket.io',
			maxHttpBufferSize: MAX_MESSAGE_BYTES,
			// A pong may wait behind seconds of other bytes on a thin school link (a deck crossing
			// 300 kbit/s with 10 % loss and 600 ms RTT), or behind a busy server: a drop costs the room
			// a full rejoin with its media, so allow 15 s for the pong (was 6 s). A dead link is still
			// noticed within 20 s by both ends, so after an outage the room rejoins on a fresh socket
			// instead of restarting ICE over a socket that only looks alive.
			pingInterval: PING_INTERVAL_MS,
			pingTimeout: PING_TIMEOUT_MS,
			serveClient: false,
			// The board's WebSocket shares the HTTP server: leave upgrades on other paths alone.
			destroyUpgrade: false
		});
		if (deps.redisUrl) {
			this.#redis = adapterRedis(deps.redisUrl);
			this.io.adapter(createAdapter(this.#redis));
		}
		this.io.use((socket, next) => {
			this.#authenticate(socket).then(
				() => next(),
				(error: unknown) => {
					const reason = error instanceof TokenError ? error.reason : 'token_invalid';
					if (!(error instanceof TokenError)) log.error({ err: (error as Error).message }, 'auth failed unexpectedly');
					next(new Error(reason));
				}
			);
		});
		this.io.on('connection', (socket) => this.#onConnection(socket));
	}

	get sessions(): ReadonlyMap<string, LessonSession> {
		return this.#sessions;
	}

	async close(): Promise<void> {
		for (const session of this.#sessions.values()) session.close();
		this.#sessions.clear();
		await new Promise<void>((resolve) => this.io.close(() => resolve()));
		this.#redis?.disconnect();
	}

	async #authenticate(socket: Socket): Promise<void> {
		const grant = await this.#deps.tokens.verifyLesson(socket.handshake.auth?.token);
		const lesson = this.#deps.catalog.lesson(grant.lessonId);
		if (!lesson) throw new TokenError('lesson_not_found', 'this lesson does not exist');
		if (lesson.status === 'ended') throw new TokenError('lesson_ended', 'this lesson has ended');
		if (grant.classroomId && !lesson.classroomIds.includes(grant.classroomId)) {
			throw new TokenError('classroom_not_in_lesson', 'this classroom is not part of the lesson');
		}
		assertCurrentHolder(this.#deps.catalog, grant);
		// Observers share one link; each connection is its own unseen viewer.
		const participantId = grant.role === 'observer' ? `${grant.participantId}-${randomBytes(4).toString('hex')}` : grant.participantId;
		const edgeNodeId = this.#deps.edgeOf?.(socket.request) ?? null;
		const data: SocketData = { grant, participantId, joined: false, ...(edgeNodeId ? { edgeNodeId } : {}) };
		Object.assign(socket.data, data);
	}

	#session(lessonId: string): LessonSession {
		let session = this.#sessions.get(lessonId);
		if (!session) {
			const record = this.#deps.catalog.lesson(lessonId);
			if (!record) throw new AppError('not_found', 'this lesson does not exist');
			if (record.status === 'ended') throw new AppError('conflict', 'this lesson has ended');
			const turn = this.#deps.turn ?? null;
			session = new LessonSession(record, {
				channel: socketIoChannel(this.io, lessonId),
				...this.#deps,
				iceServersFor: (participantId) => turnIceServers(turn, participantId),
				onIdle: (idle) => this.#release(idle)
			});
			this.#sessions.set(lessonId, session);
		}
		return session;
	}

	/**
	 * Another node serves the lesson now (it took it over while this one was cut off): this node's
	 * sockets of the lesson are closed, so that they reconnect there, and its session and router go.
	 */
	handOver(lessonId: string): void {
		this.io.local.in(lessonSocketsRoom(lessonId)).disconnectSockets(true);
		const session = this.#sessions.get(lessonId);
		if (session) this.#release(session);
	}

	/** Everyone left: free the session and the lesson's router; the state stays in the store. */
	#release(session: LessonSession): void {
		if (this.#sessions.get(session.lessonId) !== session) return;
		this.#sessions.delete(session.lessonId);
		session.close();
		inBackground(log, 'closing the lesson router', this.#deps.sfu.closeLesson(session.lessonId), { lessonId: session.lessonId });
		log.info({ lessonId: session.lessonId }, 'lesson idle: session and router released');
	}

	#onConnection(socket: Socket): void {
		const data = socket.data as SocketData;
		const { grant } = data;
		log.debug({ lessonId: grant.lessonId, role: grant.role, socket: socket.id }, 'connected');
		// The lesson may have ended between the handshake and now.
		if (this.#deps.catalog.lesson(grant.lessonId)?.status === 'ended') {
			socket.disconnect(true);
			return;
		}
		void socket.join(lessonSocketsRoom(grant.lessonId));
		socket.onAny((event: unknown, ...args: unknown[]) => this.#onRequest(socket, event, args));
		socket.on('disconnect', (reason) => {
			log.debug({ participantId: data.participantId, reason }, 'disconnected');
			if (!data.joined || data.replaced) return;
			const session = this.#sessions.get(grant.lessonId);
			if (session) inBackground(log, 'leaving', session.disconnected(socket), { lessonId: grant.lessonId, participantId: data.participantId });
		});
	}

	/**
	 * A request is `emit(name, payload, ack)`; `emit(name, ack)` is one without a payload. Without an
	 * ack there is no one to answer: the request is logged once and dropped, changing nothing.
	 */
	#onRequest(socket: Socket, event: unknown, args: unknown[]): void {
		const ack = args.at(-1);
		const name = typeof event === 'string' ? event.slice(0, 64) : typeof event;
		if (typeof ack !== 'function') {
			this.#logOnce(socket, name, 'request without an ack dropped');
			return;
		}
		const payload = args.length >= 2 ? args[0] : undefined;
		const answer = ack as (reply: Ack<unknown>) => void;
		if (typeof event !== 'string' || !Object.hasOwn(Requests, event)) {
			this.#logOnce(socket, name, 'unknown request refused');
			answer({ ok: false, error: { code: 'invalid', message: `unknown request "${name}"` } });
			return;
		}
		this.#dispatch(socket, event as RequestName, payload).then(answer, (error: unknown) => answer({ ok: false, error: toWireError(error, event as RequestName) }));
	}

	#logOnce(socket: Socket, name: string, what: string): void {
		const data = socket.data as SocketData;
		const logged = (data.logged ??= new Set());
		const key = `${what}:${name}`;
		if (logged.has(key) || logged.size >= 32) return;
		logged.add(key);
		log.info({ lessonId: data.grant.lessonId, participantId: data.participantId, request: name }, what);
	}

	async #dispatch(socket: Socket, name: RequestName, payload: unknown): Promise<Ack<unknown>> {
		const data = socket.data as SocketData;
		const role = data.grant.role;
		try {
			let parsed: unknown;
			try {
				parsed = admitRequest(name, role, payload);
			} catch (error) {
				if (error instanceof AppError && error.code === 'invalid') this.#logOnce(socket, name, 'invalid payload refused');
				throw error;
			}
			// Observers share one link: the link, not each connection, is who is counted.
			const limited = await this.#rates.take(name, role, `${data.grant.lessonId}:${data.grant.participantId}`);
			if (limited) throw new AppError('rate_limited', limited);
			const session = this.#session(data.grant.lessonId);
			if (name === 'lesson.join') {
				const joinPayload = parsed as { displayName?: string };
				if (session.record.replayOf) await loadClassReplay(session, this.#deps.replays);
				const result = await session.join(socket, data.grant, joinPayload.displayName);
				data.joined = true;
				if (data.grant.role === 'teacher') inBackground(log, 'resuming the poll timer', resumePollTimer(session), { lessonId: session.lessonId });
				return { ok: true, data: result };
			}
			const peer = session.peers.get(data.participantId);
			if (!data.joined || !peer || peer.socket.id !== socket.id) {
				throw new AppError('conflict', 'join the lesson first (lesson.join)');
			}
			const handler = HANDLERS[name] as (ctx: unknown, p: unknown) => Promise<unknown>;
			return { ok: true, data: await handler({ session, peer }, parsed) };
		} catch (error) {
			return { ok: false, error: toWireError(error, name) };
		}
	}
}

function toWireError(error: unknown, request: RequestName): WireError {
	return wireError(error, log, { request });
}
