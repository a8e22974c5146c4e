import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { TokenError, type LessonGrant, type TokenService } from '../auth/TokenService.ts';
import type { CatalogStore } from '../catalog/CatalogStore.ts';
import type { EventBus } from '../events/EventBus.ts';
import { moduleLogger } from '../logger.ts';
import { BOARD_SOCKET_PATH, MAX_BOARD_MESSAGE_BYTES } from '../protocol/index.ts';
import type { BoardStorage } from './BoardStorage.ts';
import { BoardRoom, type BoardAccess } from './BoardRoom.ts';

const log = moduleLogger('board-service');

/** A room nobody has used for this long is saved and closed. */
const IDLE_CLOSE_MS = 60_000;

export interface BoardServiceDeps {
	storage: BoardStorage;
	bus: EventBus;
	tokens: TokenService;
	catalog: CatalogStore;
	/** Whether this participant may draw now (the teacher always; others when granted). */
	canDraw(grant: LessonGrant): Promise<boolean>;
}

/**
 * The lessons' board rooms and their WebSocket endpoint (`/board?t=<lesson token>`) on the app's
 * HTTP server. Authenticates the upgrade with the lesson token before any board data flows.
 */
export class BoardService {
	readonly #deps: BoardServiceDeps;
	readonly #wss: WebSocketServer;
	readonly #rooms = new Map<string, Promise<BoardRoom>>();
	readonly #idleTimers = new Map<string, NodeJS.Timeout>();

	constructor(httpServer: HttpServer, deps: BoardServiceDeps) {
		this.#deps = deps;
		this.#wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BOARD_MESSAGE_BYTES });
		httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
			const url = new URL(req.url ?? '/', 'http://localhost');
			if (url.pathname !== BOARD_SOCKET_PATH) return; // socket.io's own upgrade
			void this.#upgrade(req, socket, head, url);
		});
	}

	get storage(): BoardStorage {
		return this.#deps.storage;
	}

	/** The lesson's board room, opened (and restored from storage) on first use. */
	room(lessonId: string): Promise<BoardRoom> {
		let room = this.#rooms.get(lessonId);
		if (!room) {
			room = BoardRoom.open(lessonId, this.#deps.storage, this.#deps.bus);
			this.#rooms.set(lessonId, room);
			room.catch(() => this.#rooms.delete(lessonId));
		}
		this.#touch(lessonId);
		return room;
	}

	/** Open rooms (metrics, tests). */
	get openRooms(): number {
		return this.#rooms.size;
	}

	/** Connected board sessions over all open rooms. */
	async sessionCount(): Promise<number> {
		const rooms = await Promise.allSettled([...this.#rooms.values()]);
		return rooms.reduce((sum, r) => sum + (r.status === 'fulfilled' ? r.value.sessionCount : 0), 0);
	}

	async #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
		let grant: LessonGrant;
		let canDraw: boolean;
		try {
			grant = await this.#deps.tokens.verifyLesson(url.searchParams.get('t'));
			const lesson = this.#deps.catalog.lesson(grant.lessonId);
			if (!lesson) throw new TokenError('lesson_not_found', 'this lesson does not exist');
			if (lesson.status === 'ended') throw new TokenError('lesson_ended', 'this lesson has ended');
			canDraw = await this.#deps.canDraw(grant);
		} catch (error) {
			const reason = error instanceof TokenError ? error.reason : 'internal';
			if (!(error instanceof TokenError)) log.error({ err: (error as Error).message }, 'board upgrade failed');
			refuse(socket, error instanceof TokenError ? 401 : 500, reason);
			return;
		}
		const requested = url.searchParams.get('sessionId') ?? '';
		const sessionId = /^[A-Za-z0-9_-]{8,64}$/.test(requested) ? requested : randomBytes(12).toString('hex');
		const participantId = grant.role === 'observer' ? `${grant.participantId}-${randomBytes(4).toString('hex')}` : grant.participantId;
		const access: BoardAccess = { participantId, actor: participantId, role: grant.role, classroomId: grant.classroomId, canDraw };
		const room = await this.room(grant.lessonId);
		this.#wss.handleUpgrade(req, socket, head, (ws) => {
			room.connect(ws, sessionId, access);
			ws.on('close', () => this.#touch(grant.lessonId));
		});
	}

	/** Closes a room once it has had no sessions for IDLE_CLOSE_MS. */
	#touch(lessonId: string): void {
		clearTimeout(this.#idleTimers.get(lessonId));
		this.#idleTimers.set(
			lessonId,
			setTimeout(() => void this.#closeIfIdle(lessonId), IDLE_CLOSE_MS).unref()
		);
	}

	async #closeIfIdle(lessonId: string): Promise<void> {
		const pending = this.#rooms.get(lessonId);
		if (!pending) return;
		const room = await pending;
		if (room.sessionCount > 0) {
			this.#touch(lessonId);
			return;
		}
		this.#rooms.delete(lessonId);
		this.#idleTimers.delete(lessonId);
		await room.close();
		log.info({ lessonId }, 'idle board room saved and closed');
	}

	async close(): Promise<void> {
		for (const timer of this.#idleTimers.values()) clearTimeout(timer);
		this.#idleTimers.clear();
		const rooms = await Promise.allSettled([...this.#rooms.values()]);
		this.#rooms.clear();
		for (const result of rooms) if (result.status === 'fulfilled') await result.value.close();
		this.#wss.close();
		await this.#deps.storage.close();
	}
}

function refuse(socket: Duplex, status: number, reason: string): void {
	const text = status === 401 ? 'Unauthorized' : 'Internal Server Error';
	socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nX-Refusal: ${reason}\r\n\r\n${reason}`);
}
