import type { TLRecordAuthorizer, TLRecordAuthorizers } from '@tldraw/sync-core';
import type { TLRecord } from '@tldraw/tlschema';
import { boardSchema, pageIdOf } from './boardSchema.ts';

/** What the guard needs of a session's meta: who it is (only the teacher writes everything). */
export interface GuardedSession {
	role: string;
}

/** Reads a record as the room holds it at this moment (inside a push: with the push's earlier writes). */
export type RecordReader = (id: string) => TLRecord | undefined;

/** Groups and frames nest shapes; a chain deeper than this (or a cycle) leads to no page. */
const MAX_NESTING = 64;

type AnyAuthorizer = TLRecordAuthorizer<TLRecord, GuardedSession>;
type AuthorizeArgs = Parameters<AnyAuthorizer>[0];

/**
 * What a granted drawer may write: shapes on the page the lesson shows now, and bindings between
 * such shapes. Never pages, the document, assets, users, nor shapes on other pages (before or
 * after the write). The teacher may write everything. Used as the room's per-record authorizers,
 * so sync-core skips a refused write and the client is corrected (discard or rebase).
 *
 * Assets are refused to everyone but the teacher: an asset belongs to no page (one asset can back
 * images on several pages, so changing or deleting it reaches pages the grant does not cover), and a
 * new one carries a client-chosen `src` that every classroom screen would load. The board offers
 * no uploads anyway.
 */
export class ShownPageGuard {
	readonly #read: RecordReader;
	#shownPage: string | null = null;
	/** During a push: the page each touched shape was on before the push began. */
	#pagesBefore: Map<string, string | null> | null = null;
	#refused: Set<string> | null = null;
	readonly authorizers: TLRecordAuthorizers<TLRecord, GuardedSession>;

	constructor(read: RecordReader, shownBoard: string | null) {
		this.#read = read;
		this.show(shownBoard);
		const rules: Record<string, AnyAuthorizer> = {};
		// Every document record type gets a rule (teacher-only unless named here), so a record type
		// added to the schema later is refused to drawers rather than written through unchecked.
		for (const [typeName, type] of Object.entries(boardSchema.types)) {
			if (type.scope !== 'document') continue;
			rules[typeName] = typeName === 'shape' ? this.#authorizeShape : typeName === 'binding' ? this.#authorizeBinding : this.#teacherOnly;
		}
		this.authorizers = rules as TLRecordAuthorizers<TLRecord, GuardedSession>;
	}

	/** The board whose page drawers may draw on; null when nothing (or no board) is shown. */
	get shownBoard(): string | null {
		return this.#shownPage === null ? null : this.#shownPage.slice('page:'.length);
	}

	show(boardId: string | null): void {
		this.#shownPage = boardId === null ? null : pageIdOf(boardId);
	}

	/**
	 * Runs one client push (`apply` hands it to the room, which authorizes synchronously). Notes
	 * first where the records it touches are now: a push that deletes a group deletes its children
	 * after it, and by then their parent chain no longer leads to a page. Returns the ids refused.
	 */
	push(ids: readonly string[], apply: () => void): Set<string> {
		const before = new Map<string, string | null>();
		for (const id of ids) {
			const record = this.#read(id);
			if (record?.typeName === 'shape') before.set(id, this.#pageNow(record));
			if (record?.typeName === 'binding') {
				for (const end of [record.fromId, record.toId]) before.set(end, this.#pageOfShapeId(end));
			}
		}
		const refused = new Set<string>();
		this.#pagesBefore = before;
		this.#refused = refused;
		try {
			apply();
		} finally {
			this.#pagesBefore = null;
			this.#refused = null;
		}
		return refused;
	}

	readonly #teacherOnly = (args: AuthorizeArgs): TLRecord | null => {
		if (args.session.meta.role === 'teacher') return args.next ?? args.prev;
		return this.#refuse(args);
	};

	readonly #authorizeShape = (args: AuthorizeArgs): TLRecord | null => {
		if (args.session.meta.role === 'teacher') return args.next ?? args.prev;
		const shown = this.#shownPage;
		const ok =
			shown !== null &&
			(args.prev === null || this.#pageBefore(args.prev) === shown) &&
			(args.next === null || this.#pageNow(args.next) === shown);
		return ok ? (args.next ?? args.prev) : this.#refuse(args);
	};

	readonly #authorizeBinding = (args: AuthorizeArgs): TLRecord | null => {
		if (args.session.meta.role === 'teacher') return args.next ?? args.prev;
		const shown = this.#shownPage;
		const ends = (record: TLRecord): unknown[] => [(record as { fromId?: unknown }).fromId, (record as { toId?: unknown }).toId];
		const ok =
			shown !== null &&
			(args.prev === null || ends(args.prev).every((id) => this.#pageOfShapeBefore(id) === shown)) &&
			(args.next === null || ends(args.next).every((id) => this.#pageOfShapeId(id) === shown));
		return ok ? (args.next ?? args.prev) : this.#refuse(args);
	};

	#refuse(args: AuthorizeArgs): null {
		const record = args.next ?? args.prev;
		if (record) this.#refused?.add(record.id);
		return null;
	}

	#pageBefore(record: TLRecord): string | null {
		const noted = this.#pagesBefore?.get(record.id);
		return noted !== undefined ? noted : this.#pageNow(record);
	}

	#pageOfShapeBefore(id: unknown): string | null {
		if (typeof id !== 'string') return null;
		const noted = this.#pagesBefore?.get(id);
		return noted !== undefined ? noted : this.#pageOfShapeId(id);
	}

	#pageOfShapeId(id: unknown): string | null {
		if (typeof id !== 'string') return null;
		const record = this.#read(id);
		return record?.typeName === 'shape' ? this.#pageNow(record) : null;
	}

	/** The page a record (a shape, or what a client claims is one) sits on, through groups and frames. */
	#pageNow(record: TLRecord): string | null {
		let parentId: unknown = (record as { parentId?: unknown }).parentId;
		const seen = new Set<string>([record.id]);
		for (let depth = 0; depth < MAX_NESTING; depth++) {
			if (typeof parentId !== 'string' || seen.has(parentId)) return null;
			if (parentId.startsWith('page:')) return this.#read(parentId)?.typeName === 'page' ? parentId : null;
			seen.add(parentId);
			const parent = this.#read(parentId);
			if (parent?.typeName !== 'shape') return null;
			parentId = parent.parentId;
		}
		return null;
	}
}
