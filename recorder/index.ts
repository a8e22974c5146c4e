export { RecordingService, type RecordingServiceDeps } from './RecordingService.ts';
export { RecordingError } from './errors.ts';
export { LibraryIndex, libraryEntry } from './LibraryIndex.ts';
export { PackageStore } from './PackageStore.ts';
export type { RecordedLesson, BoardSource, DeckSource, LessonDirectory } from './types.ts';
