import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { LibraryEntry, PackageListEntry, PackageOrigin, RecordingManifest } from '../../protocol/index.ts';
import { moduleLogger } from '../../core/logger.ts';
import type { LibraryIndex } from '../LibraryIndex.ts';
import type { PackageStore } from '../PackageStore.ts';
import { Holdings } from './Holdings.ts';
import { PackageImporter } from './PackageImporter.ts';
import { PackageWriter, type SlideRenderer } from './PackageWriter.ts';
import { PackageSigningKey } from './signingKey.ts';
import { SyncTokens } from './SyncTokens.ts';

const log = moduleLogger('recorder:packages');

/** How long a package list waits for packages being zipped for the first time. */
const LIST_WAIT_MS = 10_000;

export interface LessonPackagesDeps {
	dataDir: string;
	packages: PackageStore;
	library: LibraryIndex;
	/** Base64 SPKI Ed25519 keys whose packages this server accepts (its own is always accepted). */
	trustedKeys: string[];
	/** Largest package accepted, in bytes. */
	maxBytes: number;
	/** This server's public URL: the origin written into its packages. */
	server: string;
	slides?: SlideRenderer | null;
}

/**
 * Lesson packages between servers: the signing key, export (streamed, or the cached pseudonymous
 * zip that sync serves with ranges), verified import into the library, sync tokens and the
 * district's holdings.
 */
export class LessonPackages {
	readonly key: PackageSigningKey;
	readonly tokens: SyncTokens;
	readonly holdings: Holdings;
	readonly #deps: LessonPackagesDeps;
	readonly #writer: PackageWriter;
	readonly #importer: PackageImporter;
	readonly #cacheDir: string;
	readonly #building = new Map<string, Promise<string>>();

	private constructor(deps: LessonPackagesDeps, key: PackageSigningKey) {
		this.#deps = deps;
		this.key = key;
		this.tokens = new SyncTokens(deps.dataDir);
		this.holdings = new Holdings(deps.dataDir);
		this.#writer = new PackageWriter({ packages: deps.packages, key, slides: deps.slides ?? null });
		this.#importer = new PackageImporter({ packages: deps.packages, trustedKeys: [key.publicKey, ...deps.trustedKeys], maxBytes: deps.maxBytes });
		this.#cacheDir = path.join(deps.dataDir, 'package-cache');
	}

	static async open(deps: LessonPackagesDeps): Promise<LessonPackages> {
		const key = await PackageSigningKey.open(deps.dataDir);
		const packages = new LessonPackages(deps, key);
		await packages.tokens.load();
		await packages.holdings.load();
		return packages;
	}

	get maxBytes(): number {
		return this.#deps.maxBytes;
	}

	get tempDir(): string {
		return path.join(this.#deps.dataDir, 'package-uploads');
	}

	/** Streams a ready package as a signed zip. */
	async export(lessonId: string, names: 'pseudonymous' | 'named', out: Writable): Promise<void> {
		await this.#writer.write(lessonId, { names, server: this.#deps.server }, out);
	}

	/** The pseudonymous zip of a ready package on disk (built once; the same bytes every time). */
	cachedZip(lessonId: string): Promise<string> {
		const file = path.join(this.#cacheDir, `${lessonId}.zip`);
		let building = this.#building.get(lessonId);
		if (!building) {
			building = (async () => {
				if (await stat(file).then(() => true, () => false)) return file;
				await mkdir(this.#cacheDir, { recursive: true });
				const tmp = `${file}.${process.pid}.tmp`;
				try {
					await this.#writer.write(lessonId, { names: 'pseudonymous', server: this.#deps.server }, createWriteStream(tmp));
					await rename(tmp, file);
				} catch (error) {
					await rm(tmp, { force: true });
					throw error;
				}
				return file;
			})().finally(() => this.#building.delete(lessonId));
			this.#building.set(lessonId, building);
		}
		return building;
	}

	/**
	 * Ready packages as a district lists them for its schools. A package not zipped yet is zipped now;
	 * past LIST_WAIT_MS the list goes out without the ones still being zipped (they come next round).
	 */
	async list(): Promise<PackageListEntry[]> {
		const ready = this.#deps.library.query({}).filter((e) => e.state === 'ready');
		const zips = ready.map((entry) =>
			this.cachedZip(entry.lessonId).then(
				async (file) => ({ entry, bytes: (await stat(file)).size }),
				(error: Error) => {
					log.warn({ lessonId: entry.lessonId, err: error.message }, 'package not listed');
					return null;
				}
			)
		);
		const settled = new Map<number, { entry: LibraryEntry; bytes: number } | null>();
		zips.forEach((zip, i) => void zip.then((value) => settled.set(i, value)));
		let timer: NodeJS.Timeout | undefined;
		await Promise.race([Promise.all(zips), new Promise((resolve) => (timer = setTimeout(resolve, LIST_WAIT_MS)))]);
		clearTimeout(timer);
		await new Promise((resolve) => setImmediate(resolve));
		return [...settled.values()]
			.filter((v): v is { entry: LibraryEntry; bytes: number } => v !== null)
			.map(({ entry, bytes }) => ({ lessonId: entry.lessonId, title: entry.title, bytes, startedAt: entry.startedAt }))
			.sort((a, b) => b.startedAt - a.startedAt || a.lessonId.localeCompare(b.lessonId));
	}

	/** Verifies a package zip and adds its lesson to the library; null when skipped (already here). */
	async import(zipPath: string, kind: PackageOrigin['kind'], ifExists: 'refuse' | 'skip' = 'refuse'): Promise<RecordingManifest | null> {
		const manifest = await this.#importer.import(zipPath, { kind, ifExists });
		if (manifest) await this.#deps.library.put(manifest);
		return manifest;
	}

	/** A package was deleted: its cached zip goes too. */
	async forget(lessonId: string): Promise<void> {
		await rm(path.join(this.#cacheDir, `${lessonId}.zip`), { force: true });
	}
}
