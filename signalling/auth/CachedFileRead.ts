import { stat } from 'node:fs/promises';

/** What changes when a file is replaced or a folder's entries change. */
interface Stamp {
	ino: number;
	size: number;
	mtimeMs: number;
	ctimeMs: number;
}

/** A stamp this recent may hide a second change within the filesystem's timestamp granularity. */
const RACY_MS = 2000;

/**
 * A value read from a file or folder that other processes change (the admin-link CLI, another node on
 * the same data folder) and that every staff request consults. The path is stat'ed at most once per
 * `checkEveryMs` and re-read only when its stamp changed, so a request costs at most one stat. A stamp
 * younger than the filesystem's timestamp granularity is not trusted: it is read again at the next check.
 */
export class CachedFileRead<T> {
	readonly #path: string;
	readonly #read: (path: string) => Promise<T>;
	readonly #missing: T;
	readonly #checkEveryMs: number;
	#value: T;
	#stamp: Stamp | null = null;
	#checkedAt = -Infinity;
	#pending: Promise<T> | null = null;

	constructor(path: string, read: (path: string) => Promise<T>, options: { missing: T; checkEveryMs?: number }) {
		this.#path = path;
		this.#read = read;
		this.#missing = options.missing;
		this.#value = options.missing;
		this.#checkEveryMs = options.checkEveryMs ?? 250;
	}

	get(): Promise<T> {
		if (performance.now() - this.#checkedAt < this.#checkEveryMs) return Promise.resolve(this.#value);
		this.#pending ??= this.#refresh().finally(() => (this.#pending = null));
		return this.#pending;
	}

	/** After a write of our own: the next `get` looks again at once. */
	invalidate(): void {
		this.#checkedAt = -Infinity;
		this.#stamp = null;
	}

	async #refresh(): Promise<T> {
		const checkedAt = performance.now();
		let stamp: Stamp;
		try {
			const s = await stat(this.#path);
			stamp = { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs };
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
			this.#stamp = null;
			this.#value = this.#missing;
			this.#checkedAt = checkedAt;
			return this.#value;
		}
		if (!this.#stamp || !sameStamp(stamp, this.#stamp)) {
			this.#value = await this.#read(this.#path);
			const racy = Date.now() - Math.max(stamp.mtimeMs, stamp.ctimeMs) < RACY_MS;
			this.#stamp = racy ? null : stamp;
		}
		this.#checkedAt = checkedAt;
		return this.#value;
	}
}

function sameStamp(a: Stamp, b: Stamp): boolean {
	return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}
