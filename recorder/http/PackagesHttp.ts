import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { moduleLogger } from '../../core/logger.ts';
import {
	CONFIRM_NAMED_EXPORT,
	CreateSyncTokenSchema,
	HoldingsReportSchema,
	IdSchema,
	PackageExportQuerySchema,
	PACKAGES_API,
	RECORDINGS_API,
	type ImportResult,
	type SyncStatus
} from '../../protocol/index.ts';
import { AppError } from '../../core/errors.ts';
import { bearerToken, parse, readJson, sendError, sendJson } from '../../core/http/httpUtil.ts';
import { serveFile } from '../../core/http/serveFile.ts';
import type { LessonPackages } from '../packages/LessonPackages.ts';
import type { LibraryAccess } from './LibraryAccess.ts';

const log = moduleLogger('packages-http');

export interface PackagesHttpDeps {
	packages: LessonPackages;
	access: LibraryAccess;
	/** Records a named export (analytics' audit log, wired in app/). */
	auditNamed(detail: string): Promise<void>;
	/** Lesson titles for the download name and ready checks. */
	manifest(lessonId: string): Promise<{ title: string; state: string } | null>;
	/** The school side's sync status (null when SYNC_FROM is not set). */
	syncStatus(): SyncStatus | null;
}

const EXPORT_ROUTE = new RegExp(`^${RECORDINGS_API}/([^/]+)/export$`);
const ZIP_ROUTE = new RegExp(`^${PACKAGES_API}/([^/]+)\\.zip$`);

/**
 * Package routes (protocol/packages.ts): export, import, the district's package feed for school
 * servers (sync tokens), the schools' holdings, and the school's sync status.
 */
export class PackagesHttp {
	readonly #deps: PackagesHttpDeps;

	constructor(deps: PackagesHttpDeps) {
		this.#deps = deps;
	}

	async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
		const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
		const isExport = EXPORT_ROUTE.test(rawPath);
		if (!isExport && rawPath !== PACKAGES_API && !rawPath.startsWith(`${PACKAGES_API}/`)) return false;
		const url = new URL(req.url ?? '/', 'http://localhost');
		try {
			await this.#route(req, res, rawPath, url);
		} catch (error) {
			if (!res.headersSent && req.readable) req.resume();
			sendError(res, error, { log, path: rawPath });
		}
		return true;
	}

	async #route(req: IncomingMessage, res: ServerResponse, rawPath: string, url: URL): Promise<void> {
		const method = req.method ?? 'GET';
		const exportMatch = EXPORT_ROUTE.exec(rawPath);
		if (exportMatch) {
			if (method !== 'GET') throw new AppError('not_allowed', `${method} is not allowed here`);
			return this.#export(req, res, parse(IdSchema, exportMatch[1]), url);
		}
		const sub = rawPath.slice(PACKAGES_API.length);
		if (sub === '/import') {
			if (method !== 'POST') throw new AppError('not_allowed', `${method} is not allowed here`);
			await this.#staff(req);
			return this.#import(req, res);
		}
		if (sub === '/sync-tokens') {
			if (method !== 'POST') throw new AppError('not_allowed', `${method} is not allowed here`);
			await this.#staff(req);
			const body = parse(CreateSyncTokenSchema, await readJson(req));
			return sendJson(res, 201, { token: await this.#deps.packages.tokens.issue(body.school), school: body.school });
		}
		if (sub === '/holdings') {
			if (method === 'POST') {
				const school = this.#deps.packages.tokens.school(bearerToken(req));
				if (!school) throw new AppError('unauthorized', 'a sync token is needed');
				const body = parse(HoldingsReportSchema, await readJson(req));
				await this.#deps.packages.holdings.report(school, body.lessonIds);
				res.writeHead(204, { 'cache-control': 'no-store' });
				res.end();
				return;
			}
			if (method !== 'GET') throw new AppError('not_allowed', `${method} is not allowed here`);
			await this.#staff(req);
			return sendJson(res, 200, this.#deps.packages.holdings.get());
		}
		if (sub === '/sync') {
			if (method !== 'GET') throw new AppError('not_allowed', `${method} is not allowed here`);
			await this.#staff(req);
			return sendJson(res, 200, { status: this.#deps.syncStatus() });
		}
		if (sub === '/key') {
			if (method !== 'GET') throw new AppError('not_allowed', `${method} is not allowed here`);
			await this.#staff(req);
			return sendJson(res, 200, { publicKey: this.#deps.packages.key.publicKey, keyId: this.#deps.packages.key.keyId });
		}
		if (sub === '') {
			if (method !== 'GET') throw new AppError('not_allowed', `${method} is not allowed here`);
			await this.#reader(req);
			return sendJson(res, 200, { packages: await this.#deps.packages.list() });
		}
		const zip = ZIP_ROUTE.exec(rawPath);
		if (zip) {
			if (method !== 'GET' && method !== 'HEAD') throw new AppError('not_allowed', `${method} is not allowed here`);
			await this.#reader(req);
			const lessonId = parse(IdSchema, zip[1]);
			const manifest = await this.#deps.manifest(lessonId);
			if (!manifest || manifest.state !== 'ready') throw new AppError('not_found', `no ready package of lesson ${lessonId}`);
			const file = await this.#deps.packages.cachedZip(lessonId);
			const served = await serveFile(req, res, file, { contentType: 'application/zip', cacheControl: 'private, no-cache' });
			if (!served) throw new AppError('not_found', `no ready package of lesson ${lessonId}`);
			return;
		}
		throw new AppError('not_found', `no route ${method} ${rawPath}`);
	}

	async #export(req: IncomingMessage, res: ServerResponse, lessonId: string, url: URL): Promise<void> {
		const viewer = await this.#deps.access.viewer(req);
		if (viewer.kind === 'teacher' && viewer.lessonId !== lessonId) throw new AppError('forbidden', 'this token is for another lesson');
		const query = parse(PackageExportQuerySchema, Object.fromEntries(url.searchParams));
		const named = query.names === 'true';
		if (named) {
			if (viewer.kind !== 'staff') throw new AppError('forbidden', 'only staff can export a package with student names');
			if (query.confirm !== CONFIRM_NAMED_EXPORT) {
				throw new AppError('forbidden', `a package with names needs names=true and confirm=${CONFIRM_NAMED_EXPORT} (a deliberate staff choice, which is logged)`);
			}
		}
		const manifest = await this.#deps.manifest(lessonId);
		if (!manifest) throw new AppError('not_found', `no recording of lesson ${lessonId}`);
		if (manifest.state !== 'ready') throw new AppError('conflict', 'only a ready recording can be exported', 'not_ready');
		if (named) {
			await this.#deps.auditNamed(`${viewer.kind}: lesson package ${lessonId} with names`);
			log.warn({ lessonId }, 'lesson package exported with student names');
		}
		const name = `${fileTitle(manifest.title)}.classbridge.zip`;
		res.writeHead(200, {
			'content-type': 'application/zip',
			'cache-control': 'no-store',
			'content-disposition': `attachment; filename="lesson.classbridge.zip"; filename*=UTF-8''${encodeURIComponent(name)}`
		});
		if (req.method === 'HEAD') return void res.end();
		await this.#deps.packages.export(lessonId, named ? 'named' : 'pseudonymous', res);
	}

	async #import(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const max = this.#deps.packages.maxBytes;
		const declared = Number(req.headers['content-length'] ?? NaN);
		if (Number.isFinite(declared) && declared > max) throw new AppError('too_large', `the package is larger than ${Math.round(max / 1048576)} MiB`, 'too_large');
		const dir = this.#deps.packages.tempDir;
		await mkdir(dir, { recursive: true });
		const file = path.join(dir, `${randomBytes(8).toString('hex')}.zip`);
		try {
			let received = 0;
			const limit = new Transform({
				transform(chunk: Buffer, _enc, done) {
					received += chunk.length;
					if (received > max) done(new AppError('too_large', `the package is larger than ${Math.round(max / 1048576)} MiB`, 'too_large'));
					else done(null, chunk);
				}
			});
			await pipeline(req, limit, createWriteStream(file));
			if (received === 0) throw new AppError('invalid', 'send the package zip as the request body');
			const manifest = await this.#deps.packages.import(file, 'imported');
			const result: ImportResult = { lessonId: manifest!.lessonId, title: manifest!.title, origin: manifest!.origin! };
			sendJson(res, 201, result);
		} finally {
			await rm(file, { force: true });
		}
	}

	async #staff(req: IncomingMessage): Promise<void> {
		const viewer = await this.#deps.access.viewer(req);
		if (viewer.kind !== 'staff') throw new AppError('forbidden', 'only staff can do this');
	}

	/** A school's sync token, or staff. */
	async #reader(req: IncomingMessage): Promise<void> {
		if (this.#deps.packages.tokens.school(bearerToken(req))) return;
		await this.#staff(req);
	}
}

function fileTitle(title: string): string {
	return title.replace(/[\u0000-\u001f\u007f/\\:*?"<>|]+/g, ' ').trim().slice(0, 100) || 'lesson';
}
