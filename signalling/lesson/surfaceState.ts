import type { BoardStorage } from '../board/BoardStorage.ts';
import { boardOfView, EMPTY_SURFACE } from '../../protocol/index.ts';
import type { LessonStore, StoredSurface } from '../store/LessonStore.ts';

const { decks: _decks, ...EMPTY } = EMPTY_SURFACE;

/**
 * The lesson's surface state (view, blank boards, drawers): live in the LessonStore, and copied to
 * board storage on every change so a restarted server resumes on the same page.
 */
export async function readSurface(store: LessonStore, storage: BoardStorage, lessonId: string): Promise<StoredSurface> {
	const live = await store.surface(lessonId);
	if (live) return live;
	const kept = await storage.loadSurface(lessonId);
	if (kept) {
		await store.setSurface(lessonId, kept);
		return kept;
	}
	return structuredClone(EMPTY);
}

export async function writeSurface(store: LessonStore, storage: BoardStorage, lessonId: string, surface: StoredSurface): Promise<void> {
	await store.setSurface(lessonId, surface);
	await storage.saveSurface(lessonId, surface);
}

/** The board the lesson shows now (a deck page's or a blank one), or null when nothing is shown. */
export async function readShownBoard(store: LessonStore, storage: BoardStorage, lessonId: string): Promise<string | null> {
	return boardOfView((await readSurface(store, storage, lessonId)).view);
}
