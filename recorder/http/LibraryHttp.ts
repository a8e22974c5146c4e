import type { IncomingMessage, ServerResponse } from 'node:http';
import { moduleLogger } from '../../core/logger.ts';
import {
	IdSchema,
	LIBRARY_API,
	LibraryQuerySchema,
	MEDIA_TOKEN_TTL_MS,
	RECORDINGS_API,
	type BoardSnapshot,
	type LibraryEntry,
	type LibraryQuery,
	type RecordingManifest,
	type RecordingReplay,
	type TimelineEntry
} from '../../protocol/index.ts';
import { AppError } from '../../core/errors.ts';
import { parse, sendError, sendJson } from '../../core/http/httpUtil.ts';
import { serveFile } from '../../core/http/serveFile.ts';
import type { LibraryAccess, LibraryViewer } from './LibraryAccess.ts';
import { mergeLibraryEntries } from '../LibraryIndex.ts';

const log = moduleLogger('library-http');

/** The lesson packages as the library routes read them (recorder/RecordingService implements it). */
export interface RecordingLibrary {
	list(query: LibraryQuery, only?: string): LibraryEntry[];
	manifest(lessonId: string): Promise<RecordingManifest | null>;
	timeline(lessonId: string): Promise<TimelineEntry[]>;
	boards(lessonId: string): Promise<BoardSnapshot[]>;
	/** Absolute path of a package file (files/<relative>), or null when the name is not one of its files. */
	filePath(lessonId: string, relative: string): Promise<string | null>;
	/** False when there was no such package; a refusal (still recording) is an AppError. */
	remove(lessonId: string): Promise<boolean>;
}

export interface LibraryHttpDeps {
	library: RecordingLibrary;
	/** Staff and teachers' credentials, and the replay's media tokens. */
	access: LibraryAccess;
	/** Passed to the replay, which mounts tldraw as the live page does. */
	tldrawLicenseKey?: string | null;
	/** Rows of the same listing held elsewhere (a cluster's other nodes), for the same viewer and query string. */
	otherEntries?: (req: IncomingMessage, search: string) => Promise<LibraryEntry[]>;
}

const RECORDING_ROUTE = new RegExp(`^${RECORDINGS_API}/([^/]+)(?:/(timeline|boards|download|files/(.+)))?$`);
const CONTENT_TYPES: Record<string, string> = { webm: 'video/webm', pdf: 'application/pdf' };
const MEDIA_CACHE = 'private, max-age=3600';

/**
 * The lesson library and replay (LIBRARY_API, RECORDINGS_API; described in recorder/README.md):
 * listing, the manifest with a short-lived media token, timeline and board snapshots, the media and
 * slide files with byte ranges, a download, and deletion by staff. Paths are matched as sent, and a
 * file name must match the package's own file pattern before the disk is looked at.
 */
export class LibraryHttp {
	readonly #deps: LibraryHttpDeps;

	constructor(deps: LibraryHttpDeps) {
		this.#deps = deps;
	}

	/** Returns false when the path is not ours. */
	async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
		const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
		if (rawPath !== LIBRARY_API && rawPath !== RECORDINGS_API && !rawPath.startsWith(`${RECORDINGS_API}/`)) return false;
		const url = new URL(req.url ?? '/', 'http://localhost');
		try {
			await this.#route(req, res, rawPath, url);
		} catch (error) {
			this.#fail(res, rawPath, error);
		}
		return true;
	}

	async #route(req: IncomingMessage, res: ServerResponse, rawPath: string, url: URL): Promise<void> {
		const method = req.method ?? 'GET';
		const reading = method === 'GET' || method === 'HEAD';
		if (rawPath === LIBRARY_API) {
			if (!reading) throw new AppError('not_allowed', `${method} is not allowed here`);
			const viewer = await this.#deps.access.viewer(req);
			const query = parse(LibraryQuerySchema, Object.fromEntries(url.searchParams));
			const entries = this.#deps.library.list(query, viewer.kind === 'teacher' ? viewer.lessonId : undefined);
			const others = (await this.#deps.otherEntries?.(req, url.search)) ?? [];
			return sendJson(res, 200, { entries: others.length === 0 ? entries : mergeLibraryEntries(entries, others) });
		}
		const match = RECORDING_ROUTE.exec(rawPath);
		if (!match) throw new AppError('not_found', `no route ${method} ${rawPath}`);
		const lessonId = parse(IdSchema, match[1]);
		const [, , sub, file] = match;
		if (sub === undefined && method === 'DELETE') return this.#delete(req, res, lessonId);
		if (!reading) throw new AppError('not_allowed', `${method} is not allowed here`);
		if (sub === 'download' || file !== undefined) return this.#file(req, res, url, lessonId, file ?? null);
		await this.#allowed(await this.#deps.access.viewer(req), lessonId);
		const manifest = await this.#manifest(lessonId);
		if (sub === undefined) {
			const expiresAt = Date.now() + MEDIA_TOKEN_TTL_MS;
			const replay: RecordingReplay = {
				manifest,
				mediaToken: await this.#deps.access.signMedia(lessonId, expiresAt),
				mediaTokenExpiresAt: expiresAt,
				tldrawLicenseKey: this.#deps.tldrawLicenseKey ?? null
			};
			return sendJson(res, 200, replay);
		}
		ready(manifest);
		if (sub === 'timeline') return sendJson(res, 200, { entries: await this.#deps.library.timeline(lessonId) });
		return sendJson(res, 200, { snapshots: await this.#deps.library.boards(lessonId) });
	}

	/** files/<path> and download: the media token (`?m=`) of this lesson, and a ready package. */
	async #file(req: IncomingMessage, res: ServerResponse, url: URL, lessonId: string, file: string | null): Promise<void> {
		await this.#deps.access.verifyMedia(url.searchParams.get('m'), lessonId);
		const manifest = await this.#manifest(lessonId);
		ready(manifest);
		const relative = file ?? (manifest.media?.program ? `media/${manifest.media.program.file}` : null);
		if (relative === null) throw new AppError('not_found', 'this recording has no media');
		const full = await this.#deps.library.filePath(lessonId, relative);
		if (!full) throw new AppError('not_found', 'no such file in this recording');
		const extension = relative.slice(relative.lastIndexOf('.') + 1);
		const headers: Record<string, string> =
			file === null ? { 'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(downloadName(manifest.title))}` } : {};
		const served = await serveFile(req, res, full, { contentType: CONTENT_TYPES[extension] ?? 'application/octet-stream', cacheControl: MEDIA_CACHE, headers });
		if (!served) throw new AppError('not_found', 'no such file in this recording');
	}

	async #delete(req: IncomingMessage, res: ServerResponse, lessonId: string): Promise<void> {
		const viewer = await this.#deps.access.viewer(req);
		if (viewer.kind !== 'staff') throw new AppError('forbidden', 'only staff can delete a recording');
		if (!(await this.#deps.library.remove(lessonId))) throw new AppError('not_found', `no recording of lesson ${lessonId}`);
		res.writeHead(204, { 'cache-control': 'no-store' });
		res.end();
	}

	async #allowed(viewer: LibraryViewer, lessonId: string): Promise<void> {
		if (viewer.kind === 'teacher' && viewer.lessonId !== lessonId) throw new AppError('forbidden', 'this token is for another lesson');
	}

	async #manifest(lessonId: string): Promise<RecordingManifest> {
		const manifest = await this.#deps.library.manifest(lessonId);
		if (!manifest) throw new AppError('not_found', `no recording of lesson ${lessonId}`);
		return manifest;
	}

	#fail(res: ServerResponse, rawPath: string, error: unknown): void {
		sendError(res, error, { log, path: rawPath });
	}
}

/** 409 until finalised: `not_ready` while recording or finalising, `failed` when finalising failed. */
function ready(manifest: RecordingManifest): void {
	if (manifest.state === 'ready') return;
	if (manifest.state === 'failed') throw new AppError('conflict', 'this recording could not be finalised', 'failed');
	throw new AppError('conflict', `this recording is ${manifest.state === 'recording' ? 'still being recorded' : 'being finalised'}`, 'not_ready');
}

/** The lesson title as a file name: no path separators or control characters. */
function downloadName(title: string): string {
	const clean = title.replace(/[\u0000-\u001f\u007f/\\:*?"<>|]+/g, ' ').trim().slice(0, 100);
	return `${clean || 'lesson'}.webm`;
}
