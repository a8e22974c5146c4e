import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { TokenError, type LessonGrant, type TokenService } from '../auth/TokenService.ts';
import type { CatalogStore } from '../catalog/CatalogStore.ts';
import type { EventBus } from '../../core/EventBus.ts';
import { inBackground } from '../../core/background.ts';
import { moduleLogger } from '../../core/logger.ts';
import { MAX_BOARD_MESSAGE_BYTES } from '../../protocol/index.ts';
import type { BoardStorage } from './BoardStorage.ts';
import { LessonBoard, type BoardAccess } from './LessonBoard.ts';
import { boardUpgradeTarget } from './upgradeTarget.ts';
import { assertCurrentHolder } from '../auth/currentHolder.ts';

const log = moduleLogger('board-service');

/**
 * socket.io answers its own upgrades at once; it leaves others open (destroyUpgrade is off so the
 * board can share the server). One that nobody has answered after this long is refused.
 */
const UNCLAIMED_UPGRADE_MS = 1000;

/** A client's own name for its board session (useSync's sessionId). */
const CLIENT_ID = /^[A-Za-z0-9_-]{8,64}$/;

/** A lesson board nobody has used for this long is saved and closed. */
const IDLE_CLOSE_MS = 60_000;

export interface BoardServiceDeps {
	storage: BoardStorage;
	bus: EventBus;
	tokens: TokenService;
	catalog: CatalogStore;
	/** Whether this participant may draw now (the teacher always; others when granted). */
	canDraw(grant: LessonGrant): Promise<boolean>;
	/** The board the lesson shows now (null: none), read when a board opens. */
	shownBoard(lessonId: string): Promise<string | null>;
}

/**
 * The lessons' boards and their WebSocket endpoint (`/board?t=<lesson token>`) on the app's
 * HTTP server. Authenticates the upgrade with the lesson token before any board data flows.
 */
export class BoardService {
	readonly #deps: BoardServiceDeps;
	readonly #wss: WebSocketServer;
	readonly #boards = new Map<string, Promise<LessonBoard>>();
	readonly #idleTimers = new Map<string, NodeJS.Timeout>();

	constructor(httpServer: HttpServer, deps: BoardServiceDeps) {
		this.#deps = deps;
		this.#wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BOARD_MESSAGE_BYTES });
		httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#onUpgrade(req, socket, head));
	}

	/** Never throws: an upgrade listener that throws would take the whole process with it. */
	#onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
		try {
			// Node's own error listener is gone from an upgraded socket: a client resetting it mid-way
			// (any path, socket.io's too) must not surface as an uncaught error.
			socket.on('error', () => socket.destroy());
			const target = boardUpgradeTarget(req);
			if (target.kind === 'elsewhere') {
				refuseIfUnclaimed(socket); // socket.io's, or nobody's
				return;
			}
			if (target.kind === 'malformed') {
				refuse(socket, 400, 'bad_request');
				return;
			}
			this.#upgrade(req, socket, head, target.url).catch((error: unknown) => {
				log.error({ err: (error as Error)?.message }, 'board upgrade failed');
				refuse(socket, 500, 'internal');
			});
		} catch (error) {
			log.error({ err: (error as Error)?.message }, 'board upgrade listener failed');
			socket.destroy();
		}
	}

	get storage(): BoardStorage {
		return this.#deps.storage;
	}

	/** The lesson's board, opened (and restored from storage) on first use. */
	lessonBoard(lessonId: string): Promise<LessonBoard> {
		let board = this.#boards.get(lessonId);
		if (!board) {
			board = LessonBoard.open(lessonId, this.#deps.storage, this.#deps.bus, () => this.#deps.shownBoard(lessonId));
			this.#boards.set(lessonId, board);
			board.catch(() => this.#boards.delete(lessonId));
		}
		this.#touch(lessonId);
		return board;
	}

	/**
	 * Tells the lesson's board, when it is open or opening, which board is shown now: granted drawers
	 * may draw on that page only. A board opened later reads it from the stored surface.
	 */
	async showBoard(lessonId: string, boardId: string | null): Promise<void> {
		const board = await this.#boards.get(lessonId)?.catch(() => null); // a board that failed to open reads it when it opens again
		board?.showBoard(boardId);
	}

	/** Saves and closes the lesson's board here, ending its sessions (another node serves the lesson now). */
	async closeLesson(lessonId: string): Promise<void> {
		const pending = this.#boards.get(lessonId);
		if (!pending) return;
		this.#boards.delete(lessonId);
		clearTimeout(this.#idleTimers.get(lessonId));
		this.#idleTimers.delete(lessonId);
		await (await pending).close();
	}

	/** Open boards (metrics, tests). */
	get openBoards(): number {
		return this.#boards.size;
	}

	/** Connected board sessions over all open boards. */
	async sessionCount(): Promise<number> {
		const boards = await Promise.allSettled([...this.#boards.values()]);
		return boards.reduce((sum, r) => sum + (r.status === 'fulfilled' ? r.value.sessionCount : 0), 0);
	}

	async #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
		let grant: LessonGrant;
		let canDraw: boolean;
		try {
			grant = await this.#deps.tokens.verifyLesson(url.searchParams.get('t'));
			const lesson = this.#deps.catalog.lesson(grant.lessonId);
			if (!lesson) throw new TokenError('lesson_not_found', 'this lesson does not exist');
			if (lesson.status === 'ended') throw new TokenError('lesson_ended', 'this lesson has ended');
			assertCurrentHolder(this.#deps.catalog, grant);
			canDraw = await this.#deps.canDraw(grant);
		} catch (error) {
			const reason = error instanceof TokenError ? error.reason : 'internal';
			if (!(error instanceof TokenError)) log.error({ err: (error as Error).message }, 'board upgrade failed');
			refuse(socket, error instanceof TokenError ? 401 : 500, reason);
			return;
		}
		// The client names its session (useSync's sessionId); the board binds it to the token's participant.
		const requested = url.searchParams.get('sessionId') ?? '';
		const clientId = CLIENT_ID.test(requested) ? requested : randomBytes(12).toString('hex');
		const participantId = grant.role === 'observer' ? `${grant.participantId}-${randomBytes(4).toString('hex')}` : grant.participantId;
		const access: BoardAccess = { participantId, actor: participantId, role: grant.role, classroomId: grant.classroomId, canDraw };
		const board = await this.lessonBoard(grant.lessonId);
		if (!socket.writable) {
			socket.destroy();
			return;
		}
		this.#wss.handleUpgrade(req, socket, head, (ws) => {
			try {
				board.connect(ws, clientId, access);
				ws.on('close', () => this.#touch(grant.lessonId));
			} catch (error) {
				log.error({ lessonId: grant.lessonId, err: (error as Error).message }, 'board session failed to start');
				ws.terminate();
			}
		});
	}

	/** Closes a board once it has had no sessions for IDLE_CLOSE_MS. */
	#touch(lessonId: string): void {
		clearTimeout(this.#idleTimers.get(lessonId));
		this.#idleTimers.set(
			lessonId,
			setTimeout(() => inBackground(log, 'closing an idle board board', this.#closeIfIdle(lessonId), { lessonId }), IDLE_CLOSE_MS).unref()
		);
	}

	async #closeIfIdle(lessonId: string): Promise<void> {
		const pending = this.#boards.get(lessonId);
		if (!pending) return;
		const board = await pending;
		if (board.sessionCount > 0) {
			this.#touch(lessonId);
			return;
		}
		this.#boards.delete(lessonId);
		this.#idleTimers.delete(lessonId);
		await board.close();
		log.info({ lessonId }, 'idle board board saved and closed');
	}

	async close(): Promise<void> {
		for (const timer of this.#idleTimers.values()) clearTimeout(timer);
		this.#idleTimers.clear();
		const boards = await Promise.allSettled([...this.#boards.values()]);
		this.#boards.clear();
		for (const result of boards) if (result.status === 'fulfilled') await result.value.close();
		this.#wss.close();
		await this.#deps.storage.close();
	}
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 500: 'Internal Server Error' };

/** How long a refused client may keep its half of the connection open before it is cut. */
const REFUSED_LINGER_MS = 5000;

function refuse(socket: Duplex, status: number, reason: string): void {
	if (!socket.writable) {
		socket.destroy();
		return;
	}
	socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain\r\nX-Refusal: ${reason}\r\n\r\n${reason}`);
	setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
}

function refuseIfUnclaimed(socket: Duplex & { bytesWritten?: number }): void {
	setTimeout(() => {
		if (!socket.destroyed && !socket.bytesWritten) refuse(socket, 404, 'not_found');
	}, UNCLAIMED_UPGRADE_MS).unref();
}
