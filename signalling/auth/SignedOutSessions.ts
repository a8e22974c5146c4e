import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CachedFileRead } from './CachedFileRead.ts';

const ENTRY = /^(\d{1,16})-([A-Za-z0-9_-]{16,64})$/;

/** Staff sessions signed out before their expiry, by session id. */
export interface SignedOutList {
	has(sessionId: string): Promise<boolean>;
	add(sessionId: string, expiresAt: number): Promise<void>;
}

/**
 * Staff sessions signed out before their expiry: one empty file per session in
 * DATA_DIR/staff/signed-out/, named `<expiresAt>-<sessionId>`. A file per entry makes adding one
 * atomic for every node on the folder (no read-modify-write), the folder's own stamp tells when to
 * read it again, and entries past their expiry are dropped by name alone.
 */
export class SignedOutSessions implements SignedOutList {
	readonly #dir: string;
	readonly #cache: CachedFileRead<Set<string>>;

	private constructor(dir: string) {
		this.#dir = dir;
		this.#cache = new CachedFileRead(dir, readEntries, { missing: new Set() });
	}

	static async open(dataDir: string): Promise<SignedOutSessions> {
		const dir = path.join(dataDir, 'staff', 'signed-out');
		await mkdir(dir, { recursive: true });
		return new SignedOutSessions(dir);
	}

	async has(sessionId: string): Promise<boolean> {
		return (await this.#cache.get()).has(sessionId);
	}

	async add(sessionId: string, expiresAt: number): Promise<void> {
		await writeFile(path.join(this.#dir, `${Math.ceil(expiresAt)}-${sessionId}`), '', { mode: 0o600 });
		this.#cache.invalidate();
		await this.#prune();
	}

	/** Entries whose session has expired anyway are not needed any more. */
	async #prune(): Promise<void> {
		const now = Date.now();
		for (const name of await readdir(this.#dir).catch(() => [] as string[])) {
			const match = ENTRY.exec(name);
			if (match && Number(match[1]) < now) await rm(path.join(this.#dir, name), { force: true });
		}
	}
}

async function readEntries(dir: string): Promise<Set<string>> {
	const ids = new Set<string>();
	const now = Date.now();
	for (const name of await readdir(dir).catch(() => [] as string[])) {
		const match = ENTRY.exec(name);
		if (match?.[2] && Number(match[1]) >= now) ids.add(match[2]);
	}
	return ids;
}
