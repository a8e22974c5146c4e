import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../core/writeFileAtomic.ts';
import { CachedFileRead } from './CachedFileRead.ts';

const GENERATION = /^[0-9a-f]{32}$/;

/** Where the current admin-link generation is kept: DATA_DIR/staff/admin-generation. */
export function generationFile(dataDir: string): string {
	return path.join(dataDir, 'staff', 'admin-generation');
}

/**
 * The admin-link generation: a random id that every admin link and staff session carries. Only the
 * current one is accepted; `npm run admin-link` writes a new one, which revokes every older link and
 * every session made from them on every server using this data folder. A random id rather than a
 * counter: a lost or deleted file starts a generation no old link has, so nothing old comes back.
 */
export class AdminGeneration {
	readonly #file: string;
	readonly #cache: CachedFileRead<string | null>;

	private constructor(file: string) {
		this.#file = file;
		this.#cache = new CachedFileRead(file, readGeneration, { missing: null });
	}

	/** Opens the data folder's generation, starting the first one when there is none. */
	static async open(dataDir: string): Promise<AdminGeneration> {
		const file = generationFile(dataDir);
		await mkdir(path.dirname(file), { recursive: true });
		try {
			await writeFile(file, `${newGeneration()}\n`, { flag: 'wx', mode: 0o600 });
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
		}
		return new AdminGeneration(file);
	}

	/** Starts a new generation: every link and session of the older ones stops working. */
	static async rotate(dataDir: string): Promise<string> {
		const file = generationFile(dataDir);
		await mkdir(path.dirname(file), { recursive: true });
		const generation = newGeneration();
		await writeFileAtomic(file, `${generation}\n`);
		return generation;
	}

	/** The current generation; null when the file is gone or unreadable, and then nothing is accepted. */
	current(): Promise<string | null> {
		return this.#cache.get();
	}

	get file(): string {
		return this.#file;
	}
}

function newGeneration(): string {
	return randomBytes(16).toString('hex');
}

async function readGeneration(file: string): Promise<string | null> {
	try {
		const text = (await readFile(file, 'utf8')).trim();
		return GENERATION.test(text) ? text : null;
	} catch {
		return null;
	}
}
