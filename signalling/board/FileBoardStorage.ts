import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { moduleLogger } from '../../core/logger.ts';
import { writeFileAtomic } from '../../core/writeFileAtomic.ts';
import type { StoredSurface } from '../store/LessonStore.ts';
import { BOARD_STORAGE_VERSION, type BoardSave, type BoardStorage, type StoredBoard } from './BoardStorage.ts';
import type { StoredRecord } from './pages.ts';

const log = moduleLogger('board-files');

const RecordSchema = z.object({
	state: z.looseObject({ id: z.string(), typeName: z.string() }),
	lastChangedClock: z.number()
});
const HeadSchema = z.object({
	v: z.literal(BOARD_STORAGE_VERSION),
	schema: z.unknown(),
	documentClock: z.number().int().min(0),
	shared: z.array(RecordSchema)
});
const PageSchema = z.object({ v: z.literal(BOARD_STORAGE_VERSION), boardId: z.string(), records: z.array(RecordSchema) });

/**
 * data/boards/<lessonId>/head.json (clock, schema, lesson-wide records), pages/<board>.json (one
 * per page) and surface.json. Files are replaced atomically (write, then rename).
 */
export class FileBoardStorage implements BoardStorage {
	readonly kind = 'files';
	readonly #root: string;

	constructor(dataDir: string) {
		this.#root = path.join(dataDir, 'boards');
	}

	#dir(lessonId: string): string {
		return path.join(this.#root, lessonId);
	}

	async load(lessonId: string): Promise<StoredBoard | null> {
		const dir = this.#dir(lessonId);
		const head = await readJson(path.join(dir, 'head.json'), HeadSchema);
		if (!head) return null;
		const pages = new Map<string, StoredRecord[]>();
		const files = await readdir(path.join(dir, 'pages')).catch(() => [] as string[]);
		for (const file of files.filter((f) => f.endsWith('.json'))) {
			const page = await readJson(path.join(dir, 'pages', file), PageSchema);
			if (page) pages.set(page.boardId, page.records as StoredRecord[]);
		}
		return { schema: head.schema, documentClock: head.documentClock, shared: head.shared as StoredRecord[], pages };
	}

	async save(lessonId: string, change: BoardSave): Promise<void> {
		const dir = this.#dir(lessonId);
		await mkdir(path.join(dir, 'pages'), { recursive: true });
		// Pages first, head last: a crash in between leaves a head whose clock is older than some
		// pages, which only makes clients resync in full.
		for (const [boardId, records] of change.pages) {
			const file = path.join(dir, 'pages', `${fileKey(boardId)}.json`);
			if (records === null) await rm(file, { force: true });
			else await writeAtomic(file, { v: BOARD_STORAGE_VERSION, boardId, records });
		}
		await writeAtomic(path.join(dir, 'head.json'), {
			v: BOARD_STORAGE_VERSION,
			schema: change.schema,
			documentClock: change.documentClock,
			shared: change.shared
		});
	}

	async loadSurface(lessonId: string): Promise<StoredSurface | null> {
		const file = path.join(this.#dir(lessonId), 'surface.json');
		return readJson(file, z.custom<StoredSurface>((v) => typeof v === 'object' && v !== null && 'view' in v));
	}

	async saveSurface(lessonId: string, surface: StoredSurface): Promise<void> {
		await mkdir(this.#dir(lessonId), { recursive: true });
		await writeAtomic(path.join(this.#dir(lessonId), 'surface.json'), surface);
	}

	async close(): Promise<void> {}
}

/** Board ids made by the server are file-safe; anything else a client made is hashed. */
function fileKey(boardId: string): string {
	return /^[A-Za-z0-9_-]{1,100}$/.test(boardId) ? boardId : `h_${createHash('sha256').update(boardId).digest('hex').slice(0, 32)}`;
}

function writeAtomic(file: string, value: unknown): Promise<void> {
	return writeFileAtomic(file, JSON.stringify(value));
}

async function readJson<T>(file: string, schema: z.ZodType<T>): Promise<T | null> {
	let text: string;
	try {
		text = await readFile(file, 'utf8');
	} catch {
		return null;
	}
	let problem: string;
	try {
		const parsed = schema.safeParse(JSON.parse(text));
		if (parsed.success) return parsed.data;
		problem = parsed.error.issues[0]?.message ?? 'schema mismatch';
	} catch {
		problem = 'not JSON';
	}
	// Kept aside (never overwritten by the next save) so someone can still recover the drawings.
	const aside = `${file}.unreadable-${Date.now()}`;
	await copyFile(file, aside).catch(() => undefined);
	log.error({ file, aside, problem }, 'board file unreadable: copied aside and skipped');
	return null;
}
