import type { EventActor, EventBus } from '../../core/EventBus.ts';

interface Window {
	by: EventActor;
	boardId: string;
	added: Set<string>;
	updated: Set<string>;
	removed: Set<string>;
	startedAt: number;
	timer: NodeJS.Timeout;
}

export type ShapeChange = 'added' | 'updated' | 'removed';

/**
 * Folds board edits into one `board.changed` event per actor, board and window (a second by
 * default): a stroke streamed as 60 patches a second becomes "1 shape added", not 60 events.
 */
export class ChangeBatcher {
	readonly #windows = new Map<string, Window>();
	readonly #lessonId: string;
	readonly #bus: EventBus;
	readonly #windowMs: number;

	constructor(lessonId: string, bus: EventBus, windowMs = 1000) {
		this.#lessonId = lessonId;
		this.#bus = bus;
		this.#windowMs = windowMs;
	}

	record(by: EventActor, boardId: string, shapeId: string, change: ShapeChange): void {
		const key = `${by.actor}\u0000${boardId}`;
		let window = this.#windows.get(key);
		if (!window) {
			window = {
				by,
				boardId,
				added: new Set(),
				updated: new Set(),
				removed: new Set(),
				startedAt: Date.now(),
				timer: setTimeout(() => this.#flush(key), this.#windowMs)
			};
			this.#windows.set(key, window);
		}
		if (change === 'added') window.added.add(shapeId);
		else if (change === 'removed') {
			// Drawn and erased within the window: it never existed as far as the record goes.
			if (!window.added.delete(shapeId)) window.removed.add(shapeId);
			window.updated.delete(shapeId);
		} else if (!window.added.has(shapeId)) window.updated.add(shapeId);
	}

	flushAll(): void {
		for (const key of [...this.#windows.keys()]) this.#flush(key);
	}

	#flush(key: string): void {
		const window = this.#windows.get(key);
		if (!window) return;
		this.#windows.delete(key);
		clearTimeout(window.timer);
		const { added, updated, removed } = window;
		if (added.size + updated.size + removed.size === 0) return;
		this.#bus.publish(this.#lessonId, 'board.changed', window.by, {
			boardId: window.boardId,
			added: added.size,
			updated: updated.size,
			removed: removed.size,
			windowMs: Date.now() - window.startedAt
		});
	}
}
