import type { LessonStore } from './LessonStore.ts';
import { MemoryLessonStore } from './MemoryLessonStore.ts';
import { RedisLessonStore } from './RedisLessonStore.ts';

/** Redis when a URL is configured (scale-out), memory otherwise. */
export function createLessonStore(redisUrl: string | undefined): LessonStore {
	return redisUrl ? new RedisLessonStore(redisUrl) : new MemoryLessonStore();
}
