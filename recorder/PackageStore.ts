import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import {
	BoardSnapshotSchema,
	IdSchema,
	RecordingManifestSchema,
	TimelineEntrySchema,
	type BoardSnapshot,
	type RecordingManifest,
	type TimelineEntry
} from '../protocol/index.ts';
import { writeFileAtomic } from '../core/writeFileAtomic.ts';
import { moduleLogger } from '../core/logger.ts';
import { PartSummarySchema, type PartSummary } from './media/index.ts';

const log = moduleLogger('recorder:packages');

const PartsFileSchema = z.array(PartSummarySchema);

/**
 * Lesson packages on disk, one folder per lesson under `<dataDir>/recordings/` (the layout is in
 * signalling/protocol/recording.ts). Besides the manifest, `parts.json` keeps each closed part's
 * summary for finalising (the raw part folders hold the same in their part.json).
 */
export class PackageStore {
	readonly root: string;

	constructor(dataDir: string) {
		this.root = path.join(dataDir, 'recordings');
	}

	async open(): Promise<void> {
		await mkdir(this.root, { recursive: true });
	}

	dir(lessonId: string): string {
		return path.join(this.root, checkId(lessonId));
	}

	mediaDir(lessonId: string): string {
		return path.join(this.dir(lessonId), 'media');
	}

	rawDir(lessonId: string): string {
		return path.join(this.mediaDir(lessonId), 'raw');
	}

	partDir(lessonId: string, index: number): string {
		return path.join(this.rawDir(lessonId), `part-${index}`);
	}

	timelineFile(lessonId: string): string {
		return path.join(this.dir(lessonId), 'timeline.jsonl');
	}

	boardsFile(lessonId: string): string {
		return path.join(this.dir(lessonId), 'boards.jsonl');
	}

	decksDir(lessonId: string): string {
		return path.join(this.dir(lessonId), 'decks');
	}

	/** Folders that look like packages (lesson ids), whatever state they are in. */
	async lessonIds(): Promise<string[]> {
		const entries = await readdir(this.root, { withFileTypes: true }).catch(() => []);
		return entries.filter((e) => e.isDirectory() && IdSchema.safeParse(e.name).success).map((e) => e.name);
	}

	/** The manifest, checked against its schema; null when the package does not exist or is unreadable. */
	async readManifest(lessonId: string): Promise<RecordingManifest | null> {
		let text: string;
		try {
			text = await readFile(path.join(this.dir(lessonId), 'manifest.json'), 'utf8');
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
			throw error;
		}
		const parsed = RecordingManifestSchema.safeParse(safeJson(text));
		if (!parsed.success) {
			log.warn({ lessonId, issue: parsed.error.issues[0]?.message }, 'unreadable manifest ignored');
			return null;
		}
		return parsed.data;
	}

	async writeManifest(manifest: RecordingManifest): Promise<void> {
		const dir = this.dir(manifest.lessonId);
		await mkdir(dir, { recursive: true });
		await writeFileAtomic(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, '\t'));
	}

	/** A manifest written into a folder that is not (yet) the package's own (an import's staging folder). */
	async writeManifestIn(dir: string, manifest: RecordingManifest): Promise<void> {
		await mkdir(dir, { recursive: true });
		await writeFileAtomic(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, '\t'));
	}

	async readParts(lessonId: string): Promise<PartSummary[]> {
		try {
			const parsed = PartsFileSchema.safeParse(safeJson(await readFile(path.join(this.dir(lessonId), 'parts.json'), 'utf8')));
			return parsed.success ? parsed.data : [];
		} catch {
			return [];
		}
	}

	async writeParts(lessonId: string, parts: PartSummary[]): Promise<void> {
		await writeFileAtomic(path.join(this.dir(lessonId), 'parts.json'), JSON.stringify(parts));
	}

	/** timeline.jsonl: lines that do not parse (a line cut by a crash) are skipped. */
	async readTimeline(lessonId: string): Promise<TimelineEntry[]> {
		return readJsonLines(this.timelineFile(lessonId), TimelineEntrySchema);
	}

	async readBoards(lessonId: string): Promise<BoardSnapshot[]> {
		return readJsonLines(this.boardsFile(lessonId), BoardSnapshotSchema);
	}

	async remove(lessonId: string): Promise<void> {
		await rm(this.dir(lessonId), { recursive: true, force: true });
	}

	/** Bytes on disk of the whole package. */
	async bytes(lessonId: string): Promise<number> {
		return folderBytes(this.dir(lessonId));
	}
}

async function readJsonLines<T extends z.ZodType>(file: string, schema: T): Promise<z.output<T>[]> {
	let text: string;
	try {
		text = await readFile(file, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
		throw error;
	}
	const out: z.output<T>[] = [];
	for (const line of text.split('\n')) {
		if (!line) continue;
		const parsed = schema.safeParse(safeJson(line));
		if (parsed.success) out.push(parsed.data);
	}
	return out;
}

async function folderBytes(dir: string): Promise<number> {
	let total = 0;
	const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
	for (const entry of entries) {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) total += await folderBytes(full);
		else if (entry.isFile()) total += (await stat(full).catch(() => ({ size: 0 }))).size;
	}
	return total;
}

function safeJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

/** Ids become folder names: anything but IdSchema's letters, digits, _ and - is refused. */
export function checkId(id: string): string {
	if (!IdSchema.safeParse(id).success) throw new Error(`not an id: ${JSON.stringify(id).slice(0, 80)}`);
	return id;
}
