import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { PackageOriginSchema, PackageStateSchema, type LibraryEntry, type LibraryQuery, type RecordingManifest } from '../protocol/index.ts';
import { writeFileAtomic } from '../core/writeFileAtomic.ts';
import { moduleLogger } from '../core/logger.ts';
import type { PackageStore } from './PackageStore.ts';

const log = moduleLogger('recorder:library');

const INDEX_VERSION = 1;

const EntrySchema = z.object({
	lessonId: z.string(),
	title: z.string(),
	teacherName: z.string(),
	classrooms: z.array(z.object({ id: z.string(), name: z.string() })),
	startedAt: z.number(),
	endedAt: z.number().nullable(),
	durationMs: z.number(),
	bytes: z.number(),
	state: PackageStateSchema,
	progress: z.number(),
	notes: z.number(),
	origin: PackageOriginSchema.optional()
});
const IndexFileSchema = z.object({ version: z.literal(INDEX_VERSION), entries: z.array(EntrySchema) });

/** The library row of one package. */
export function libraryEntry(manifest: RecordingManifest): LibraryEntry {
	return {
		lessonId: manifest.lessonId,
		title: manifest.title,
		teacherName: manifest.teacherName,
		classrooms: manifest.classrooms,
		startedAt: manifest.parts[0]?.startedAt ?? manifest.createdAt,
		endedAt: manifest.endedAt,
		durationMs: manifest.durationMs,
		bytes: manifest.bytes,
		state: manifest.state,
		progress: manifest.progress,
		notes: manifest.notes.length,
		...(manifest.origin ? { origin: manifest.origin } : {})
	};
}

/**
 * The lesson library: `recordings/index.json`, one row per package. Only an index: when it is
 * missing or unreadable it is rebuilt from the packages' manifests. Writes are serialised and atomic.
 */
/** The library's order: newest first, then by lesson id. */
function newestFirst(a: LibraryEntry, b: LibraryEntry): number {
	return b.startedAt - a.startedAt || a.lessonId.localeCompare(b.lessonId);
}

/** One library of this node's rows and other nodes': one row per lesson (this node's when both have it), in the library's order. */
export function mergeLibraryEntries(local: LibraryEntry[], others: LibraryEntry[]): LibraryEntry[] {
	const byLesson = new Map(others.map((e) => [e.lessonId, e]));
	for (const e of local) byLesson.set(e.lessonId, e);
	return [...byLesson.values()].sort(newestFirst);
}

export class LibraryIndex {
	readonly #packages: PackageStore;
	readonly #file: string;
	readonly #entries = new Map<string, LibraryEntry>();
	readonly #listeners = new Set<(lessonId: string, held: boolean) => void>();
	#writes: Promise<void> = Promise.resolve();

	constructor(packages: PackageStore) {
		this.#packages = packages;
		this.#file = path.join(packages.root, 'index.json');
	}

	get file(): string {
		return this.#file;
	}

	/** Reads index.json, or rebuilds it from the folders. Returns whether it was rebuilt. */
	async load(): Promise<boolean> {
		const read = await readFile(this.#file, 'utf8').then(
			(text) => IndexFileSchema.safeParse(JSON.parse(text)),
			(error: NodeJS.ErrnoException) => ({ success: false as const, error })
		).catch((error: Error) => ({ success: false as const, error }));
		this.#entries.clear();
		if (read.success) {
			for (const entry of read.data.entries) this.#entries.set(entry.lessonId, entry);
			return false;
		}
		await this.rebuild();
		return true;
	}

	async rebuild(): Promise<void> {
		this.#entries.clear();
		for (const lessonId of await this.#packages.lessonIds()) {
			const manifest = await this.#packages.readManifest(lessonId).catch(() => null);
			if (manifest) this.#entries.set(lessonId, libraryEntry(manifest));
		}
		log.info({ packages: this.#entries.size }, 'library index rebuilt from the packages');
		await this.#save();
	}

	get(lessonId: string): LibraryEntry | undefined {
		return this.#entries.get(lessonId);
	}

	/** Told of each package that comes (held) or goes (not held). */
	onChange(listener: (lessonId: string, held: boolean) => void): void {
		this.#listeners.add(listener);
	}

	async put(manifest: RecordingManifest): Promise<void> {
		const added = !this.#entries.has(manifest.lessonId);
		this.#entries.set(manifest.lessonId, libraryEntry(manifest));
		if (added) for (const listener of this.#listeners) listener(manifest.lessonId, true);
		await this.#save();
	}

	async remove(lessonId: string): Promise<void> {
		if (!this.#entries.delete(lessonId)) return;
		for (const listener of this.#listeners) listener(lessonId, false);
		await this.#save();
	}

	/** Every package's lesson id. */
	lessonIds(): string[] {
		return [...this.#entries.keys()];
	}

	/** Rows matching the query, newest first; `only` narrows to one lesson (a teacher's token). */
	query(query: LibraryQuery, only?: string): LibraryEntry[] {
		const q = query.q?.toLocaleLowerCase();
		const teacher = query.teacher?.toLocaleLowerCase();
		return [...this.#entries.values()]
			.filter((e) => only === undefined || e.lessonId === only)
			.filter((e) => !q || e.title.toLocaleLowerCase().includes(q))
			.filter((e) => !teacher || e.teacherName.toLocaleLowerCase().includes(teacher))
			.filter((e) => !query.classroomId || e.classrooms.some((c) => c.id === query.classroomId))
			.filter((e) => query.from === undefined || e.startedAt >= query.from)
			.filter((e) => query.to === undefined || e.startedAt <= query.to)
			.sort(newestFirst);
	}

	#save(): Promise<void> {
		const text = JSON.stringify({ version: INDEX_VERSION, entries: [...this.#entries.values()] }, null, '\t');
		const write = this.#writes.then(() => writeFileAtomic(this.#file, text));
		this.#writes = write.catch((error: Error) => log.error({ err: error.message }, 'library index write failed'));
		return write;
	}
}
