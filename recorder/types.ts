import type { Producer, Router } from '../sfu/types.ts';
import type {
	DeckInfo,
	LessonClassroom,
	LessonRecord,
	PublishedTrack,
	SurfaceView
} from '../protocol/index.ts';

/**
 * What the recorder needs of a live lesson (signalling's LessonSession has all of it). The recorder
 * holds it only while it records a part.
 */
export interface RecordedLesson {
	readonly lessonId: string;
	readonly record: LessonRecord;
	readonly classrooms: LessonClassroom[];
	/** The lesson's router and its producers. */
	media(): Promise<{ readonly router: Router; readonly producers: ReadonlyMap<string, Producer>; readonly closed: boolean }>;
	tracks(): PublishedTrack[];
	storedSurface(): Promise<{ view: SurfaceView }>;
	/** A snapshot with the new recording status goes out. */
	changed(): void;
}

/** One board page's tldraw records as they are now (page, shapes, bindings, the assets they use). */
export interface BoardSource {
	pageRecords(lessonId: string, boardId: string): Promise<Record<string, unknown>[]>;
}

export interface DeckSource {
	list(lessonId: string): Promise<DeckInfo[]>;
	filePath(lessonId: string, deckId: string): string;
}

/** The catalog as the recorder reads it: a lesson's title, teacher, rooms and whether it ended. */
export interface LessonDirectory {
	lesson(lessonId: string): LessonRecord | undefined;
	classroom(classroomId: string): { id: string; name: string } | undefined;
}
