import { InMemorySyncStorage, TLSocketRoom, type RoomSnapshot } from '@tldraw/sync-core';
import type { TLRecord } from '@tldraw/tlschema';
import { getIndexAbove, type IndexKey } from '@tldraw/utils';
import type { WebSocket } from 'ws';
import type { EventActor, EventBus } from '../../core/EventBus.ts';
import { moduleLogger } from '../../core/logger.ts';
import type { BoardCustomMessage } from '../../protocol/index.ts';
import type { BoardStorage } from './BoardStorage.ts';
import { boardIdOfPage, boardSchema, pageIdOf } from './boardSchema.ts';
import { ChangeBatcher } from './ChangeBatcher.ts';
import { BoardMessageReader, type BoardMessage } from './BoardMessageReader.ts';
import { splitByPage, joinPages, type StoredRecord } from './pages.ts';
import { ShownPageGuard } from './ShownPageGuard.ts';

const log = moduleLogger('board');

/** How long after the last edit a lesson board is written to storage, and the longest a write waits. */
const SAVE_DEBOUNCE_MS = 250;
const SAVE_MAX_WAIT_MS = 2000;

/** Who a board session belongs to, from their lesson token. */
export interface BoardAccess extends EventActor {
	participantId: string;
	canDraw: boolean;
}

interface Session {
	access: BoardAccess;
	socket: WebSocket;
	reader: BoardMessageReader;
}

/**
 * Where a read-only session's presence (cursor, name, cursor chat) lives: a page no board uses, so
 * it shows on no screen. The browser puts viewers there itself (board-island.ts); the server makes
 * sure of it.
 */
export const VIEWER_PAGE_ID = 'page:cb-viewers';

/** A checked push whose presence is moved to VIEWER_PAGE_ID, whatever page it named. */
function offBoardPresence(text: string): string {
	const message = JSON.parse(text) as { presence?: [string, Record<string, unknown>?] };
	const [op, value] = message.presence ?? [];
	if (op === 'put' && value && typeof value === 'object') value.currentPageId = VIEWER_PAGE_ID;
	if (op === 'patch' && value && typeof value === 'object' && 'currentPageId' in value) value.currentPageId = ['put', VIEWER_PAGE_ID];
	return JSON.stringify(message);
}

/**
 * The sync room's key for a client's board session: bound to the participant of the token, so a client
 * naming someone else's session id gets a session of its own, never theirs. Client ids have no `@`.
 */
export function sessionKey(participantId: string, clientId: string): string {
	return `${clientId}@${participantId}`;
}

/**
 * One lesson's board: a tldraw TLSocketRoom (server-authoritative: read-only sessions' writes are
 * dropped by the sync room; granted drawers' writes off the shown page are refused by the guard's
 * per-record authorizers), fed only with messages that passed the envelope check, saved page by
 * page to storage, with edits reported as batched `board.changed` events.
 */
export class LessonBoard {
	readonly lessonId: string;
	readonly #sync: TLSocketRoom<TLRecord, BoardAccess>;
	readonly #storage: InMemorySyncStorage<TLRecord>;
	readonly #persist: BoardStorage;
	readonly #batcher: ChangeBatcher;
	readonly #guard: ShownPageGuard;
	readonly #sessions = new Map<string, Session>();
	/** The JSON last written per page, so a save writes only the pages that changed. */
	readonly #written = new Map<string, string>();
	#saveTimer: NodeJS.Timeout | null = null;
	#firstUnsavedAt = 0;
	#saving: Promise<void> = Promise.resolve();
	#closed = false;

	private constructor(lessonId: string, persist: BoardStorage, bus: EventBus, snapshot: RoomSnapshot | undefined, shownBoard: string | null) {
		this.lessonId = lessonId;
		this.#persist = persist;
		this.#batcher = new ChangeBatcher(lessonId, bus);
		this.#storage = new InMemorySyncStorage<TLRecord>({ snapshot, onChange: () => this.#scheduleSave() });
		this.#guard = new ShownPageGuard((id) => this.#readNow(id), shownBoard);
		this.#sync = new TLSocketRoom<TLRecord, BoardAccess>({
			schema: boardSchema,
			storage: this.#storage,
			authorizeRecord: this.#guard.authorizers,
			log: { warn: (...args) => log.warn({ lessonId, detail: String(args[0]) }, 'sync room warning'), error: (...args) => log.error({ lessonId, detail: String(args[0]) }, 'sync room error') },
			onSessionRemoved: (_room, { sessionId }) => this.#sessions.delete(sessionId)
		});
	}

	static async open(lessonId: string, persist: BoardStorage, bus: EventBus, shownBoard: () => Promise<string | null>): Promise<LessonBoard> {
		const [stored, shown] = await Promise.all([persist.load(lessonId), shownBoard()]);
		let snapshot: RoomSnapshot | undefined;
		if (stored) {
			const records = joinPages({ shared: stored.shared, pages: stored.pages });
			snapshot = {
				documentClock: stored.documentClock,
				// Deletions before the restart are not kept: clients older than this clock resync in full.
				tombstoneHistoryStartsAtClock: stored.documentClock,
				schema: stored.schema as RoomSnapshot['schema'],
				documents: records as unknown as RoomSnapshot['documents']
			};
		}
		const board = new LessonBoard(lessonId, persist, bus, snapshot, shown);
		if (stored) for (const [boardId, records] of stored.pages) board.#written.set(boardId, JSON.stringify(records));
		log.info({ lessonId, restored: !!stored, pages: stored?.pages.size ?? 0 }, 'lesson board open');
		return board;
	}

	get sessionCount(): number {
		return this.#sessions.size;
	}

	get closed(): boolean {
		return this.#closed;
	}

	/** A client's board session, keyed by its own id and the participant it authenticated as. */
	connect(socket: WebSocket, clientId: string, access: BoardAccess): void {
		if (this.#closed) {
			socket.close(1013, 'board closed');
			return;
		}
		const sessionId = sessionKey(access.participantId, clientId);
		const reader = new BoardMessageReader();
		// The same participant and client again (a reconnect): the older socket goes.
		const previous = this.#sessions.get(sessionId);
		this.#sessions.set(sessionId, { access, socket, reader });
		previous?.socket.close(1000, 'replaced by a newer connection');
		// A minimal socket without addEventListener: the sync room must only see messages we checked.
		this.#sync.handleSocketConnect({
			sessionId,
			isReadonly: !access.canDraw,
			meta: access,
			socket: {
				send: (data: string) => socket.send(data),
				close: (code?: number, reason?: string) => socket.close(code, reason),
				get readyState() {
					return socket.readyState;
				}
			}
		});
		const current = () => this.#sessions.get(sessionId)?.socket === socket;
		socket.on('message', (data, isBinary) => {
			if (current()) this.#onMessage(sessionId, data as Buffer, isBinary);
		});
		socket.on('close', () => {
			if (current()) this.#sync.handleSocketClose(sessionId);
		});
		socket.on('error', () => {
			if (current()) this.#sync.handleSocketError(sessionId);
		});
	}

	#onMessage(sessionId: string, data: Buffer, isBinary: boolean): void {
		const session = this.#sessions.get(sessionId);
		if (!session) return;
		const read = session.reader.read(isBinary ? null : data.toString('utf8'));
		if (read.kind === 'partial') return;
		if (read.kind === 'invalid') {
			log.warn({ lessonId: this.lessonId, participantId: session.access.participantId, reason: read.reason }, 'board message refused');
			this.#send(sessionId, { type: 'cb.invalid', message: read.reason });
			this.#sync.closeSession(sessionId, 'INVALID_RECORD');
			return;
		}
		const text = read.message.type === 'push' && read.message.presence && !session.access.canDraw ? offBoardPresence(read.text) : read.text;
		const diff = read.message.type === 'push' ? read.message.diff : undefined;
		if (!diff || Object.keys(diff).length === 0) {
			this.#sync.handleSocketMessage(sessionId, text);
			return;
		}
		if (!session.access.canDraw) {
			log.info({ lessonId: this.lessonId, participantId: session.access.participantId, records: Object.keys(diff).length }, 'read-only board write refused');
			this.#send(sessionId, { type: 'cb.refused', reason: 'read_only' });
			this.#sync.handleSocketMessage(sessionId, text); // the sync room drops the writes and corrects the client
			return;
		}
		const changes = this.#changesIn(diff);
		const apply = () => this.#sync.handleSocketMessage(sessionId, read.text);
		// The sync room authorizes a push synchronously, so the guard sees exactly this push's writes.
		let refused = new Set<string>();
		if (session.access.role === 'teacher') apply();
		else refused = this.#guard.push(Object.keys(diff), apply);
		if (refused.size > 0) {
			log.info({ lessonId: this.lessonId, participantId: session.access.participantId, records: refused.size, shownBoard: this.#guard.shownBoard }, 'board write off the shown page refused');
			this.#send(sessionId, { type: 'cb.refused', reason: 'shown_board_only' });
		}
		for (const change of changes) if (!refused.has(change.id)) this.#batcher.record(session.access, change.boardId, change.id, change.change);
	}

	/** The shape changes a push asks for, by board, as the sync room is before it (for board.changed events). */
	#changesIn(diff: NonNullable<Extract<BoardMessage, { type: 'push' }>['diff']>): { id: string; boardId: string; change: 'added' | 'updated' | 'removed' }[] {
		const changes: { id: string; boardId: string; change: 'added' | 'updated' | 'removed' }[] = [];
		for (const [id, op] of Object.entries(diff)) {
			if (!id.startsWith('shape:')) continue;
			const existing = this.#readNow(id) as { parentId?: string } | undefined;
			const boardId = this.#boardOfShape(op[0] === 'put' ? (op[1] as { parentId?: unknown })?.parentId : existing?.parentId);
			if (!boardId) continue;
			changes.push({ id, boardId, change: op[0] === 'remove' ? 'removed' : op[0] === 'put' && !existing ? 'added' : 'updated' });
		}
		return changes;
	}

	/** A record as the sync room holds it now; inside a push, with that push's earlier writes. Read only. */
	#readNow(id: string): TLRecord | undefined {
		return this.#storage.transaction((txn) => txn.get(id)).result;
	}

	#boardOfShape(parentId: unknown, depth = 0): string | null {
		if (typeof parentId !== 'string' || depth > 64) return null;
		if (parentId.startsWith('page:')) return boardIdOfPage(parentId);
		const parent = this.#readNow(parentId) as { parentId?: string } | undefined;
		return this.#boardOfShape(parent?.parentId, depth + 1);
	}

	#send(sessionId: string, message: BoardCustomMessage | { type: 'cb.invalid'; message: string }): void {
		try {
			this.#sync.sendCustomMessage(sessionId, message);
		} catch {
			// the session may already be gone
		}
	}

	/** The board the lesson shows now: granted drawers may write shapes on its page only. */
	showBoard(boardId: string | null): void {
		if (this.#guard.shownBoard === boardId) return;
		this.#guard.show(boardId);
		log.info({ lessonId: this.lessonId, boardId }, 'drawers now draw on this board');
	}

	get shownBoard(): string | null {
		return this.#guard.shownBoard;
	}

	/** Every document record the sync room holds now (tests, checks). */
	allRecords(): TLRecord[] {
		return (this.#storage.getSnapshot().documents as unknown as StoredRecord[]).map((r) => r.state as unknown as TLRecord);
	}

	/** After a grant or revoke: sessions whose permission changed reconnect and get the new one. */
	setAccess(participantId: string, canDraw: boolean): void {
		for (const [sessionId, session] of this.#sessions) {
			if (session.access.participantId !== participantId || session.access.canDraw === canDraw) continue;
			this.#send(sessionId, { type: 'cb.access', canDraw });
			this.#sync.closeSession(sessionId);
		}
	}

	/** Makes sure each board has its tldraw page, so every client can switch to it at once. */
	async ensureBoards(boards: { id: string; name: string }[]): Promise<void> {
		const missing = boards.filter((b) => !this.#sync.getRecord(pageIdOf(b.id)));
		if (missing.length === 0) return;
		await this.#sync.updateStore((store) => {
			let top: IndexKey | null = null;
			for (const record of store.getAll()) {
				if (record.typeName === 'page' && (top === null || record.index > top)) top = record.index;
			}
			for (const board of missing) {
				if (store.get(pageIdOf(board.id))) continue;
				top = getIndexAbove(top);
				store.put({ id: pageIdOf(board.id), typeName: 'page', name: board.name, index: top, meta: {} } as TLRecord);
			}
		});
	}

	/** Removes every shape (and binding) on one board; returns how many shapes went. */
	async clearBoard(boardId: string): Promise<number> {
		let removed = 0;
		await this.#sync.updateStore((store) => {
			const all = store.getAll();
			const parts = splitByPage(all.map((state) => ({ state: state as unknown as StoredRecord['state'], lastChangedClock: 0 })));
			for (const { state } of parts.pages.get(boardId) ?? []) {
				if (state.typeName === 'page') continue;
				if (state.typeName === 'shape') removed++;
				store.delete(state.id);
			}
		});
		return removed;
	}

	/** Shapes on one board (tests, export). */
	shapesOn(boardId: string): TLRecord[] {
		const records = this.#storage.getSnapshot().documents as unknown as StoredRecord[];
		return (splitByPage(records).pages.get(boardId) ?? []).filter((r) => r.state.typeName === 'shape').map((r) => r.state as unknown as TLRecord);
	}

	/**
	 * Everything tldraw needs to draw one board as it is now: its page, the shapes and bindings on it,
	 * and the asset records those shapes use (the recording's board snapshots).
	 */
	pageRecords(boardId: string): TLRecord[] {
		const records = this.#storage.getSnapshot().documents as unknown as StoredRecord[];
		const parts = splitByPage(records);
		const page = (parts.pages.get(boardId) ?? []).map((r) => r.state);
		const assetIds = new Set(page.flatMap((r) => {
			const assetId = (r.props as { assetId?: unknown } | undefined)?.assetId;
			return typeof assetId === 'string' ? [assetId] : [];
		}));
		const assets = parts.shared.filter((r) => r.state.typeName === 'asset' && assetIds.has(r.state.id)).map((r) => r.state);
		return [...page, ...assets] as unknown as TLRecord[];
	}

	#scheduleSave(): void {
		if (this.#closed) return;
		const now = Date.now();
		if (!this.#saveTimer) this.#firstUnsavedAt = now;
		else clearTimeout(this.#saveTimer);
		const wait = Math.max(0, Math.min(SAVE_DEBOUNCE_MS, this.#firstUnsavedAt + SAVE_MAX_WAIT_MS - now));
		this.#saveTimer = setTimeout(() => {
			this.#saveTimer = null;
			void this.flush();
		}, wait);
	}

	/** Writes what changed since the last save; saves never overlap. */
	flush(): Promise<void> {
		if (this.#saveTimer) {
			clearTimeout(this.#saveTimer);
			this.#saveTimer = null;
		}
		this.#saving = this.#saving.then(() => this.#save()).catch((error: Error) => {
			log.error({ lessonId: this.lessonId, err: error.message }, 'board save failed; will retry on the next change');
		});
		return this.#saving;
	}

	async #save(): Promise<void> {
		const snapshot = this.#storage.getSnapshot();
		const parts = splitByPage(snapshot.documents as unknown as StoredRecord[]);
		const pages = new Map<string, StoredRecord[] | null>();
		const json = new Map<string, string>();
		for (const [boardId, records] of parts.pages) {
			const text = JSON.stringify(records);
			if (this.#written.get(boardId) !== text) {
				pages.set(boardId, records);
				json.set(boardId, text);
			}
		}
		for (const boardId of this.#written.keys()) if (!parts.pages.has(boardId)) pages.set(boardId, null);
		await this.#persist.save(this.lessonId, {
			schema: snapshot.schema,
			documentClock: snapshot.documentClock ?? 0,
			shared: parts.shared,
			pages
		});
		for (const [boardId, records] of pages) {
			if (records === null) this.#written.delete(boardId);
			else this.#written.set(boardId, json.get(boardId) ?? '');
		}
	}

	async close(): Promise<void> {
		if (this.#closed) return;
		this.#batcher.flushAll();
		await this.flush();
		this.#closed = true;
		this.#sync.close();
		for (const { socket } of this.#sessions.values()) socket.close(1001, 'board closed');
		this.#sessions.clear();
	}
}
