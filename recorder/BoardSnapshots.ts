import type { BoardSnapshot } from '../protocol/index.ts';
import type { JsonLinesWriter } from './JsonLinesWriter.ts';
import { moduleLogger } from '../core/logger.ts';
import type { BoardSource } from './types.ts';

const log = moduleLogger('recorder:boards');

/**
 * Writes a board page's records to boards.jsonl when the board changed (the `board.changed` batch,
 * a clear) or was shown. A snapshot is stamped with the time its change began: for a batch, the
 * first edit of its window (the event comes a window later), so a drawing appears in the replay when
 * it was drawn, not a second after. Takes of one board never overlap: a change during a take is
 * taken again right after (stamped with the earliest change it holds). A page exactly as last
 * written is not written twice. The replay shows, for a board, the last snapshot (by mediaMs) at or
 * before the time.
 */
export class BoardSnapshots {
	readonly #lessonId: string;
	readonly #source: BoardSource;
	readonly #writer: JsonLinesWriter;
	readonly #mediaTime: (at: number) => number | null;
	readonly #taking = new Map<string, Promise<void>>();
	/** Boards changed again during their take: the earliest server time of those changes. */
	readonly #again = new Map<string, number>();
	readonly #written = new Map<string, string>();

	constructor(lessonId: string, source: BoardSource, writer: JsonLinesWriter, mediaTime: (at: number) => number | null) {
		this.#lessonId = lessonId;
		this.#source = source;
		this.#writer = writer;
		this.#mediaTime = mediaTime;
	}

	/** `changedAt`: server time the change began (defaults to now). */
	take(boardId: string, changedAt: number = Date.now()): void {
		if (this.#taking.has(boardId)) {
			this.#again.set(boardId, Math.min(changedAt, this.#again.get(boardId) ?? changedAt));
			return;
		}
		const taking = this.#take(boardId, changedAt).finally(() => {
			this.#taking.delete(boardId);
			const again = this.#again.get(boardId);
			if (again !== undefined) {
				this.#again.delete(boardId);
				this.take(boardId, again);
			}
		});
		this.#taking.set(boardId, taking);
	}

	/** Resolves once every take in flight is written. */
	async settle(): Promise<void> {
		while (this.#taking.size > 0) await Promise.allSettled([...this.#taking.values()]);
		await this.#writer.flush();
	}

	async #take(boardId: string, changedAt: number): Promise<void> {
		try {
			const records = await this.#source.pageRecords(this.#lessonId, boardId);
			const mediaMs = this.#mediaTime(changedAt);
			if (mediaMs === null) return;
			const text = JSON.stringify(records);
			if (this.#written.get(boardId) === text) return;
			this.#written.set(boardId, text);
			const snapshot: BoardSnapshot = { mediaMs, boardId, records };
			this.#writer.append(snapshot);
		} catch (error) {
			log.warn({ lessonId: this.#lessonId, boardId, err: (error as Error).message }, 'board snapshot failed');
		}
	}
}
