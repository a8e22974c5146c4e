import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import {
	PACKAGE_MANIFEST_FILE,
	PACKAGE_SCHEMA_VERSION,
	PACKAGE_SIGNATURE_FILE,
	type PackageFile,
	type PackageManifest,
	type RecordingManifest
} from '../../protocol/index.ts';
import { AppError } from '../../core/errors.ts';
import { moduleLogger } from '../../core/logger.ts';
import type { PackageStore } from '../PackageStore.ts';
import { playerBundle, playerHtml } from './playerBundle.ts';
import { PackagePseudonyms } from './pseudonymise.ts';
import type { PackageSigningKey } from './signingKey.ts';

const log = moduleLogger('recorder:export');

/** Renders a PDF's pages as 1.png, 2.png, … into a folder (signalling's pdfjs worker, wired in app/). */
export interface SlideRenderer {
	render(pdfPath: string, outDir: string): Promise<void>;
}

/** A fixed time for every zip entry, so one package always zips to the same bytes (ranges can resume). */
const ZIP_MTIME = new Date('2024-01-01T00:00:00Z');
const STORED = /\.(webm|png|pdf)$/;

type Source = { path: string; file: string } | { path: string; data: Buffer };

export interface WriteOptions {
	names: 'pseudonymous' | 'named';
	/** The exporting server's public URL (origin of the package). */
	server: string;
}

/** The data the offline player reads (player/lesson.js sets window.CLASSBRIDGE_LESSON to it). */
export interface PlayerLesson {
	manifest: RecordingManifest;
	timeline: unknown[];
	boards: unknown[];
	/** Slide images per deck: relative paths, page n at index n-1. */
	slides: Record<string, string[]>;
}

/**
 * Writes one ready lesson package as a signed `.classbridge.zip` to a stream: the package folder
 * under `recording/`, the offline player (`index.html`, `player/`), the manifest with a SHA-256 of
 * every file, and the Ed25519 signature of the manifest. Media is stored, not deflated.
 */
export class PackageWriter {
	readonly #packages: PackageStore;
	readonly #key: PackageSigningKey;
	readonly #slides: SlideRenderer | null;

	constructor(deps: { packages: PackageStore; key: PackageSigningKey; slides?: SlideRenderer | null }) {
		this.#packages = deps.packages;
		this.#key = deps.key;
		this.#slides = deps.slides ?? null;
	}

	async write(lessonId: string, options: WriteOptions, out: Writable): Promise<PackageManifest> {
		const sources = await this.#sources(lessonId, options);
		const files: PackageFile[] = [];
		for (const source of sources) files.push({ path: source.path, ...(await digest(source)) });
		const recording = (await this.#packages.readManifest(lessonId))!;
		const manifest: PackageManifest = {
			schemaVersion: PACKAGE_SCHEMA_VERSION,
			lessonId,
			title: recording.title,
			teacherName: recording.teacherName,
			startedAt: recording.parts[0]?.startedAt ?? recording.createdAt,
			durationMs: recording.durationMs,
			origin: { server: options.server, exportedAt: recording.endedAt ?? recording.createdAt },
			names: options.names,
			files
		};
		const manifestBytes = Buffer.from(JSON.stringify(manifest, null, '\t'));
		const signature = Buffer.from(JSON.stringify(this.#key.sign(manifestBytes), null, '\t'));
		const zip = new ZipFile();
		const opts = { mtime: ZIP_MTIME, mode: 0o100644 };
		zip.addBuffer(manifestBytes, PACKAGE_MANIFEST_FILE, opts);
		zip.addBuffer(signature, PACKAGE_SIGNATURE_FILE, opts);
		for (const source of sources) {
			const compress = !STORED.test(source.path);
			if ('data' in source) zip.addBuffer(source.data, source.path, { ...opts, compress });
			else zip.addFile(source.file, source.path, { ...opts, compress });
		}
		zip.end();
		await pipeline(zip.outputStream, out);
		log.info({ lessonId, files: files.length, names: options.names }, 'lesson package written');
		return manifest;
	}

	async #sources(lessonId: string, options: WriteOptions): Promise<Source[]> {
		const recording = await this.#packages.readManifest(lessonId);
		if (!recording) throw new AppError('not_found', `no recording of lesson ${lessonId}`);
		if (recording.state !== 'ready') throw new AppError('conflict', 'only a ready recording can be exported', 'not_ready');
		const dir = this.#packages.dir(lessonId);
		const rawTimeline = await this.#packages.readTimeline(lessonId);
		const rawBoards = await this.#packages.readBoards(lessonId);
		let manifest: RecordingManifest = { ...recording };
		delete manifest.origin;
		let timeline: unknown[] = rawTimeline;
		if (options.names === 'pseudonymous') {
			const pseudonyms = new PackagePseudonyms(this.#key.pseudonymSalt());
			pseudonyms.learn(rawTimeline, recording);
			timeline = pseudonyms.apply(rawTimeline);
			manifest = pseudonyms.apply(manifest);
		}
		const sources: Source[] = [
			{ path: 'recording/manifest.json', data: Buffer.from(JSON.stringify(manifest, null, '\t')) },
			{ path: 'recording/timeline.jsonl', data: jsonLines(timeline) },
			{ path: 'recording/boards.jsonl', data: jsonLines(rawBoards) }
		];
		const media = recording.media;
		if (media?.program) sources.push({ path: `recording/media/${media.program.file}`, file: path.join(dir, 'media', media.program.file) });
		for (const screen of media?.screens ?? []) sources.push({ path: `recording/media/${screen.file}`, file: path.join(dir, 'media', screen.file) });
		const slides: Record<string, string[]> = {};
		for (const deck of recording.decks) {
			const pdf = path.join(dir, deck.file);
			if (!(await exists(pdf))) continue;
			sources.push({ path: `recording/${deck.file}`, file: pdf });
			const images = await this.#slideImages(lessonId, deck.deckId, pdf);
			slides[deck.deckId] = images.map((image) => `player/slides/${deck.deckId}/${path.basename(image)}`);
			images.forEach((image) => sources.push({ path: `player/slides/${deck.deckId}/${path.basename(image)}`, file: image }));
		}
		const lesson: PlayerLesson = { manifest, timeline, boards: rawBoards, slides };
		sources.push({ path: 'player/lesson.js', data: Buffer.from(`window.CLASSBRIDGE_LESSON = ${JSON.stringify(lesson).replace(/</g, '\\u003c')};\n`) });
		sources.push({ path: 'player/player.js', data: await playerBundle() });
		sources.push({ path: 'index.html', data: Buffer.from(playerHtml(manifest.title)) });
		return sources;
	}

	/** Slide page images, rendered once per package into `player-slides/<deckId>/`. */
	async #slideImages(lessonId: string, deckId: string, pdf: string): Promise<string[]> {
		if (!this.#slides || !/^[A-Za-z0-9_-]{1,64}$/.test(deckId)) return [];
		const out = path.join(this.#packages.dir(lessonId), 'player-slides', deckId);
		let names = await readdir(out).catch(() => [] as string[]);
		if (names.length === 0) {
			await mkdir(out, { recursive: true });
			await this.#slides.render(pdf, out).catch((error: Error) => log.warn({ lessonId, deckId, err: error.message }, 'slide images not rendered'));
			names = await readdir(out).catch(() => [] as string[]);
		}
		return names
			.filter((n) => /^[0-9]+\.png$/.test(n))
			.sort((a, b) => parseInt(a) - parseInt(b))
			.map((n) => path.join(out, n));
	}
}

function jsonLines(rows: unknown[]): Buffer {
	return Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
}

async function exists(file: string): Promise<boolean> {
	return stat(file).then(
		(s) => s.isFile(),
		() => false
	);
}

async function digest(source: Source): Promise<{ bytes: number; sha256: string }> {
	const hash = createHash('sha256');
	if ('data' in source) return { bytes: source.data.length, sha256: hash.update(source.data).digest('hex') };
	let bytes = 0;
	for await (const chunk of createReadStream(source.file, { highWaterMark: 1 << 20 })) {
		bytes += (chunk as Buffer).length;
		hash.update(chunk as Buffer);
	}
	return { bytes, sha256: hash.digest('hex') };
}
