import type { StoredSurface } from '../store/LessonStore.ts';
import type { BoardSave, BoardStorage, StoredBoard } from './BoardStorage.ts';

/**
 * Writes to every storage. Reads the newest head (highest room clock) and, per page, the copy of
 * the newest storage that has it: a storage added later (Redis switched on) may lack old pages.
 */
export class MirroredBoardStorage implements BoardStorage {
	readonly kind: string;
	readonly #all: BoardStorage[];

	constructor(all: BoardStorage[]) {
		this.#all = all;
		this.kind = all.map((s) => s.kind).join('+');
	}

	async load(lessonId: string): Promise<StoredBoard | null> {
		const boards = (await Promise.all(this.#all.map((s) => s.load(lessonId)))).filter((b): b is StoredBoard => b !== null);
		if (boards.length === 0) return null;
		boards.sort((a, b) => b.documentClock - a.documentClock);
		const [newest] = boards as [StoredBoard, ...StoredBoard[]];
		const pages = new Map(newest.pages);
		for (const older of boards.slice(1)) for (const [id, records] of older.pages) if (!pages.has(id)) pages.set(id, records);
		return { ...newest, pages };
	}

	async save(lessonId: string, change: BoardSave): Promise<void> {
		await Promise.all(this.#all.map((s) => s.save(lessonId, change)));
	}

	async loadSurface(lessonId: string): Promise<StoredSurface | null> {
		for (const storage of this.#all) {
			const surface = await storage.loadSurface(lessonId);
			if (surface) return surface;
		}
		return null;
	}

	async saveSurface(lessonId: string, surface: StoredSurface): Promise<void> {
		await Promise.all(this.#all.map((s) => s.saveSurface(lessonId, surface)));
	}

	async close(): Promise<void> {
		await Promise.all(this.#all.map((s) => s.close()));
	}
}
