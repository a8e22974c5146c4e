import type { StoredSurface } from '../store/LessonStore.ts';
import type { StoredRecord } from './pages.ts';

export const BOARD_STORAGE_VERSION = 1;

/** Everything a board room needs to start again: the room clock, the schema, and its records by page. */
export interface StoredBoard {
	schema: unknown;
	documentClock: number;
	shared: StoredRecord[];
	pages: Map<string, StoredRecord[]>;
}

/** What changed since the last save: the shared records, and only the pages that changed (null: gone). */
export interface BoardSave {
	schema: unknown;
	documentClock: number;
	shared: StoredRecord[];
	pages: Map<string, StoredRecord[] | null>;
}

/**
 * Where board rooms and surface state (what is shown, who may draw) are kept between runs: the
 * data folder always, Redis too when REDIS_URL is set. Each page is written on its own, so a page's
 * drawings never depend on another page's file.
 */
export interface BoardStorage {
	readonly kind: string;
	load(lessonId: string): Promise<StoredBoard | null>;
	save(lessonId: string, change: BoardSave): Promise<void>;
	loadSurface(lessonId: string): Promise<StoredSurface | null>;
	saveSurface(lessonId: string, surface: StoredSurface): Promise<void>;
	close(): Promise<void>;
}
