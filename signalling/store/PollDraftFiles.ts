import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { moduleLogger } from '../../core/logger.ts';
import { writeFileAtomic } from '../../core/writeFileAtomic.ts';
import type { StoredPoll } from './LessonStore.ts';

const log = moduleLogger('poll-drafts');

const DraftsSchema = z.object({
	v: z.literal(1),
	drafts: z.array(z.looseObject({ id: z.string(), status: z.literal('draft'), spec: z.looseObject({ kind: z.string() }) }))
});

/**
 * A copy of each lesson's prepared polls in the data folder (`polls/<lesson>.json`): the teacher
 * prepares them before the lesson, and the memory store alone would lose them on a restart.
 */
export class PollDraftFiles {
	readonly #dir: string;
	#writing: Promise<void> = Promise.resolve();

	constructor(dataDir: string) {
		this.#dir = path.join(dataDir, 'polls');
	}

	#file(lessonId: string): string {
		return path.join(this.#dir, `${lessonId}.json`);
	}

	/** Writes are queued so an older list never lands after a newer one. */
	save(lessonId: string, polls: StoredPoll[]): Promise<void> {
		const drafts = polls.filter((p) => p.status === 'draft');
		this.#writing = this.#writing
			.then(async () => {
				await mkdir(this.#dir, { recursive: true });
				await writeFileAtomic(this.#file(lessonId), JSON.stringify({ v: 1, drafts }));
			})
			.catch((error: Error) => log.error({ lessonId, err: error.message }, 'could not keep the prepared polls'));
		return this.#writing;
	}

	async load(lessonId: string): Promise<StoredPoll[]> {
		let text: string;
		try {
			text = await readFile(this.#file(lessonId), 'utf8');
		} catch {
			return [];
		}
		try {
			const parsed = DraftsSchema.safeParse(JSON.parse(text));
			if (parsed.success) return parsed.data.drafts as unknown as StoredPoll[];
		} catch {
			// falls through
		}
		log.error({ lessonId }, 'prepared polls file unreadable; left as it is');
		return [];
	}
}
