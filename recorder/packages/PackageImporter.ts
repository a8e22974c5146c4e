import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import {
	PACKAGE_MANIFEST_FILE,
	PACKAGE_SCHEMA_VERSION,
	PACKAGE_SIGNATURE_FILE,
	PackageManifestSchema,
	PackageSignatureSchema,
	PackageVersionSchema,
	RecordingManifestSchema,
	type PackageManifest,
	type PackageOrigin,
	type PackageRefusal,
	type RecordingManifest
} from '../../protocol/index.ts';
import { AppError } from '../../core/errors.ts';
import { moduleLogger } from '../../core/logger.ts';
import type { PackageStore } from '../PackageStore.ts';
import { keyIdOf, verifySignature } from './signingKey.ts';

const log = moduleLogger('recorder:import');

/** A package refused: 422 with the reason (nothing was stored). */
export class PackageRefusedError extends AppError {
	readonly refusal: PackageRefusal;
	constructor(refusal: PackageRefusal, message: string) {
		super(refusal === 'exists' ? 'conflict' : refusal === 'too_large' ? 'too_large' : 'unprocessable', message, refusal);
		this.name = 'PackageRefusedError';
		this.refusal = refusal;
	}
}

/** The package folder's files that an import keeps (the player files are checked, not kept). */
const KEPT = /^recording\/(manifest\.json|timeline\.jsonl|boards\.jsonl|media\/program\.webm|media\/screen-[0-9]{1,4}\.webm|decks\/[A-Za-z0-9_-]{1,64}\.pdf)$/;
const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;

export interface ImportOptions {
	kind: PackageOrigin['kind'];
	/** What to do with a lesson this server already has: refuse (`exists`) or keep ours (sync). */
	ifExists: 'refuse' | 'skip';
}

/**
 * Verifies a `.classbridge.zip` and stores its lesson package: the zip must open, carry a manifest
 * of a schema this server reads, a signature by a trusted key over the manifest's exact bytes, and
 * every listed file (no more, no less) with its size and SHA-256. Files are extracted to a staging
 * folder while they are hashed; only a package that passed every check is moved into the library.
 */
export class PackageImporter {
	readonly #packages: PackageStore;
	readonly #trusted: Set<string>;
	readonly #maxBytes: number;

	constructor(deps: { packages: PackageStore; trustedKeys: string[]; maxBytes: number }) {
		this.#packages = deps.packages;
		this.#trusted = new Set(deps.trustedKeys);
		this.#maxBytes = deps.maxBytes;
	}

	get maxBytes(): number {
		return this.#maxBytes;
	}

	/** Checks and stores; returns the stored manifest (with its origin), or null when skipped. */
	async import(zipPath: string, options: ImportOptions): Promise<RecordingManifest | null> {
		const size = (await stat(zipPath)).size;
		if (size > this.#maxBytes) throw new PackageRefusedError('too_large', `the package is larger than ${Math.round(this.#maxBytes / 1048576)} MiB`);
		const zip = await openZip(zipPath);
		const staging = path.join(this.#packages.root, `.import-${randomBytes(6).toString('hex')}`);
		try {
			const entries = await readEntries(zip);
			const { manifest, keyId } = await this.#checkManifest(zip, entries);
			if ((await this.#packages.readManifest(manifest.lessonId)) !== null) {
				if (options.ifExists === 'skip') return null;
				throw new PackageRefusedError('exists', `lesson ${manifest.lessonId} is already in this library`);
			}
			const listed = new Set(manifest.files.map((f) => f.path));
			for (const name of entries.keys()) {
				if (name !== PACKAGE_MANIFEST_FILE && name !== PACKAGE_SIGNATURE_FILE && !name.endsWith('/') && !listed.has(name)) {
					throw new PackageRefusedError('unexpected_file', `${name} is in the zip but not in its manifest`);
				}
			}
			let total = 0;
			for (const file of manifest.files) {
				const entry = entries.get(file.path);
				if (!entry) throw new PackageRefusedError('missing_file', `${file.path} is listed in the manifest but missing from the zip`);
				if (entry.uncompressedSize !== file.bytes) throw new PackageRefusedError('checksum_mismatch', `${file.path} has ${entry.uncompressedSize} bytes, the manifest says ${file.bytes}`);
				total += file.bytes;
				if (total > this.#maxBytes * 2) throw new PackageRefusedError('too_large', 'the package unpacks to too much data');
				const keep = KEPT.test(file.path) ? path.join(staging, file.path.slice('recording/'.length)) : null;
				const sha = await hashEntry(zip, entry, keep);
				if (sha !== file.sha256) throw new PackageRefusedError('checksum_mismatch', `${file.path} does not match its SHA-256 in the manifest (changed or corrupt)`);
			}
			const recording = await this.#recordingManifest(staging, manifest);
			const origin: PackageOrigin = { kind: options.kind, server: manifest.origin.server, keyId, at: Date.now() };
			const stored: RecordingManifest = { ...recording, origin, bytes: total };
			await mkdir(this.#packages.root, { recursive: true });
			await this.#packages.writeManifestIn(staging, stored);
			await rename(staging, this.#packages.dir(manifest.lessonId));
			log.info({ lessonId: manifest.lessonId, origin: origin.server, keyId, kind: options.kind }, 'lesson package imported');
			return stored;
		} catch (error) {
			if (error instanceof PackageRefusedError) log.warn({ refusal: error.refusal, message: error.message }, 'lesson package refused');
			throw error;
		} finally {
			zip.close();
			await rm(staging, { recursive: true, force: true });
		}
	}

	async #checkManifest(zip: ZipFile, entries: Map<string, Entry>): Promise<{ manifest: PackageManifest; keyId: string }> {
		const manifestEntry = entries.get(PACKAGE_MANIFEST_FILE);
		if (!manifestEntry) throw new PackageRefusedError('no_manifest', `the zip has no ${PACKAGE_MANIFEST_FILE}: not a Classbridge package`);
		const manifestBytes = await readSmall(zip, manifestEntry);
		const json = safeJson(manifestBytes.toString('utf8'));
		const version = PackageVersionSchema.safeParse(json);
		if (!version.success) throw new PackageRefusedError('bad_manifest', 'the package manifest has no schema version');
		if (version.data.schemaVersion > PACKAGE_SCHEMA_VERSION) {
			throw new PackageRefusedError('newer_schema', `the package has schema version ${version.data.schemaVersion}; this server reads up to ${PACKAGE_SCHEMA_VERSION}: update Classbridge first`);
		}
		const parsed = PackageManifestSchema.safeParse(json);
		if (!parsed.success) throw new PackageRefusedError('bad_manifest', `the package manifest is malformed: ${parsed.error.issues[0]?.message ?? ''}`);
		const sigEntry = entries.get(PACKAGE_SIGNATURE_FILE);
		if (!sigEntry) throw new PackageRefusedError('unsigned', 'the package is not signed');
		const sig = PackageSignatureSchema.safeParse(safeJson((await readSmall(zip, sigEntry)).toString('utf8')));
		if (!sig.success) throw new PackageRefusedError('unsigned', 'the package signature is unreadable');
		if (!this.#trusted.has(sig.data.publicKey)) {
			throw new PackageRefusedError('untrusted_key', `the package is signed by key ${sig.data.keyId}, which is not in TRUSTED_PACKAGE_KEYS`);
		}
		if (!verifySignature(sig.data.publicKey, manifestBytes, sig.data.signature)) {
			throw new PackageRefusedError('bad_signature', 'the signature does not match the manifest (the package was changed after signing)');
		}
		return { manifest: parsed.data, keyId: keyIdOf(Buffer.from(sig.data.publicKey, 'base64')) };
	}

	async #recordingManifest(staging: string, manifest: PackageManifest): Promise<RecordingManifest> {
		const text = await readFile(path.join(staging, 'manifest.json'), 'utf8').catch(() => null);
		const parsed = RecordingManifestSchema.safeParse(text === null ? undefined : safeJson(text));
		if (!parsed.success) throw new PackageRefusedError('bad_manifest', 'recording/manifest.json is missing or malformed');
		if (parsed.data.lessonId !== manifest.lessonId || parsed.data.state !== 'ready') {
			throw new PackageRefusedError('bad_manifest', 'recording/manifest.json does not match the package manifest');
		}
		return parsed.data;
	}
}

async function openZip(file: string): Promise<ZipFile> {
	try {
		return await yauzl.openPromise(file, { lazyEntries: true, validateEntrySizes: true, strictFileNames: true, autoClose: false });
	} catch (error) {
		const head = Buffer.alloc(4);
		const handle = await open(file, 'r');
		await handle.read(head, 0, 4, 0).finally(() => handle.close());
		if (head.equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) {
			throw new PackageRefusedError('truncated', `the zip is incomplete (cut short or damaged): ${(error as Error).message}`);
		}
		throw new PackageRefusedError('not_a_zip', 'the file is not a zip archive');
	}
}

function readEntries(zip: ZipFile): Promise<Map<string, Entry>> {
	return new Promise((resolve, reject) => {
		const entries = new Map<string, Entry>();
		zip.on('entry', (entry: Entry) => {
			if (entries.has(entry.fileName)) {
				reject(new PackageRefusedError('unexpected_file', `${entry.fileName} is in the zip twice`));
				return;
			}
			entries.set(entry.fileName, entry);
			if (entries.size > 20_000) reject(new PackageRefusedError('too_large', 'the zip has too many files'));
			else zip.readEntry();
		});
		zip.once('end', () => resolve(entries));
		zip.once('error', (error: Error) => reject(new PackageRefusedError('truncated', `the zip is damaged: ${error.message}`)));
		zip.readEntry();
	});
}

async function readSmall(zip: ZipFile, entry: Entry): Promise<Buffer> {
	if (entry.uncompressedSize > MAX_MANIFEST_BYTES) throw new PackageRefusedError('bad_manifest', `${entry.fileName} is too large`);
	const chunks: Buffer[] = [];
	try {
		for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
	} catch (error) {
		throw new PackageRefusedError('checksum_mismatch', `${entry.fileName} is corrupt: ${(error as Error).message}`);
	}
	return Buffer.concat(chunks);
}

/** SHA-256 of an entry's content, written to `keep` on the way when given. */
async function hashEntry(zip: ZipFile, entry: Entry, keep: string | null): Promise<string> {
	const hash = createHash('sha256');
	const hasher = new Transform({
		transform(chunk: Buffer, _enc, done) {
			hash.update(chunk);
			done(null, chunk);
		}
	});
	try {
		const stream = await zip.openReadStreamPromise(entry);
		if (keep) {
			await mkdir(path.dirname(keep), { recursive: true });
			await pipeline(stream, hasher, createWriteStream(keep));
		} else {
			await pipeline(stream, hasher, async function* (source) {
				for await (const _ of source) void _;
			});
		}
	} catch (error) {
		throw new PackageRefusedError('checksum_mismatch', `${entry.fileName} is corrupt: ${(error as Error).message}`);
	}
	return hash.digest('hex');
}

function safeJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}
