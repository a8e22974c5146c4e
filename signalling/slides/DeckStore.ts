import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { moduleLogger } from '../../core/logger.ts';
import { IdSchema, type DeckInfo } from '../../protocol/index.ts';

const log = moduleLogger('slides');

/** Staging folders older than this are leftovers of a crash and are removed at open. */
const STALE_STAGING_MS = 3_600_000;

/** A folder where one upload is assembled before it becomes a deck (or is thrown away). */
export interface DeckStaging {
	dir: string;
	pdfPath: string;
	thumbsDir: string;
}

/**
 * Decks on disk: `<dataDir>/decks/<lessonId>/<deckId>/{source.pdf, deck.json, thumbs/<n>.png}`.
 * An upload is assembled in `decks/.staging/` (same file system) and renamed into place whole, so a
 * lesson's folder only ever holds complete decks.
 */
export class DeckStore {
	readonly #root: string;
	readonly #staging: string;
	readonly #lists = new Map<string, Promise<DeckInfo[]>>();

	private constructor(root: string) {
		this.#root = root;
		this.#staging = path.join(root, '.staging');
	}

	static async open(dataDir: string): Promise<DeckStore> {
		const store = new DeckStore(path.join(dataDir, 'decks'));
		await mkdir(store.#staging, { recursive: true });
		await store.#removeStaleStaging();
		return store;
	}

	/** A random id for a new deck (matches IdSchema). */
	static newId(): string {
		return randomBytes(9).toString('base64url');
	}

	lessonDir(lessonId: string): string {
		return path.join(this.#root, checkId(lessonId));
	}

	filePath(lessonId: string, deckId: string): string {
		return path.join(this.#deckDir(lessonId, deckId), 'source.pdf');
	}

	thumbPath(lessonId: string, deckId: string, page: number): string {
		if (!Number.isInteger(page) || page < 1) throw new Error(`bad page ${page}`);
		return path.join(this.#deckDir(lessonId, deckId), 'thumbs', `${page}.png`);
	}

	async stage(): Promise<DeckStaging> {
		const dir = await mkdtemp(path.join(this.#staging, 'up-'));
		return { dir, pdfPath: path.join(dir, 'source.pdf'), thumbsDir: path.join(dir, 'thumbs') };
	}

	async discard(staging: DeckStaging): Promise<void> {
		await rm(staging.dir, { recursive: true, force: true });
	}

	/** Moves a checked upload into the lesson as `deck` (deck.json is written first, then one rename). */
	async save(lessonId: string, staging: DeckStaging, deck: DeckInfo): Promise<DeckInfo> {
		const target = this.#deckDir(lessonId, deck.id);
		await writeFile(path.join(staging.dir, 'deck.json'), JSON.stringify(deck, null, '\t'));
		await mkdir(path.dirname(target), { recursive: true });
		await rename(staging.dir, target);
		const list = await this.list(lessonId);
		if (!list.some((d) => d.id === deck.id)) list.push(deck);
		return deck;
	}

	/** The lesson's decks, oldest first. Read from disk once per lesson, then kept in memory. */
	async list(lessonId: string): Promise<DeckInfo[]> {
		const id = checkId(lessonId);
		let list = this.#lists.get(id);
		if (!list) {
			list = this.#load(id);
			this.#lists.set(id, list);
			list.catch(() => this.#lists.delete(id));
		}
		return list;
	}

	async get(lessonId: string, deckId: string): Promise<DeckInfo | undefined> {
		if (!IdSchema.safeParse(deckId).success) return undefined;
		return (await this.list(lessonId)).find((d) => d.id === deckId);
	}

	#deckDir(lessonId: string, deckId: string): string {
		return path.join(this.lessonDir(lessonId), checkId(deckId));
	}

	async #load(lessonId: string): Promise<DeckInfo[]> {
		let entries: string[];
		try {
			entries = await readdir(path.join(this.#root, lessonId));
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
			throw error;
		}
		const decks: DeckInfo[] = [];
		for (const entry of entries) {
			if (!IdSchema.safeParse(entry).success) continue;
			try {
				const deck = JSON.parse(await readFile(path.join(this.#root, lessonId, entry, 'deck.json'), 'utf8')) as DeckInfo;
				if (deck.id === entry) decks.push(deck);
			} catch (error) {
				log.warn({ lessonId, deckId: entry, err: (error as Error).message }, 'unreadable deck skipped');
			}
		}
		return decks.sort((a, b) => a.uploadedAt - b.uploadedAt || a.id.localeCompare(b.id));
	}

	async #removeStaleStaging(): Promise<void> {
		for (const entry of await readdir(this.#staging)) {
			const dir = path.join(this.#staging, entry);
			const info = await stat(dir).catch(() => null);
			if (info && Date.now() - info.mtimeMs > STALE_STAGING_MS) await rm(dir, { recursive: true, force: true });
		}
	}
}

/** Ids become folder names: anything but IdSchema's letters, digits, _ and - is a bug upstream. */
function checkId(id: string): string {
	if (!IdSchema.safeParse(id).success) throw new Error(`not an id: ${JSON.stringify(id).slice(0, 80)}`);
	return id;
}
