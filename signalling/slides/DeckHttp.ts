import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { LessonGrant, TokenService } from '../auth/TokenService.ts';
import { unauthorizedOnRefusal } from '../auth/tokenRefusal.ts';
import { serveFile } from '../../core/http/serveFile.ts';
import { AppError } from '../../core/errors.ts';
import { bearerToken, sendError, sendJson } from '../../core/http/httpUtil.ts';
import { moduleLogger } from '../../core/logger.ts';
import { DECKS_API, type DeckInfo } from '../../protocol/index.ts';
import { DeckStore } from './DeckStore.ts';
import { DeckRejectedError } from './errors.ts';
import { cleanFileName, deckTitle } from './names.ts';
import { PdfInspector } from './PdfInspector.ts';
import { checkPdfEnvelope, discardRest, receiveUpload, tooLarge } from './upload.ts';

const log = moduleLogger('slides');

export interface DeckHttpDeps {
	decks: DeckStore;
	tokens: TokenService;
	maxBytes: number;
	parseTimeoutMs: number;
	/** Called once a deck is stored, before the 201 goes out (publish `deck.uploaded` here). */
	onUploaded: (lessonId: string, deck: DeckInfo, grant: LessonGrant) => void | Promise<void>;
	/** Called before a lesson's decks are read (a cluster fetches the copies this node lacks). */
	beforeRead?: (lessonId: string) => Promise<void>;
}

const DECK_CACHE = 'private, max-age=31536000, immutable';
const PDFJS_CACHE = 'public, max-age=2592000';
const FILE_ROUTE = new RegExp(`^${DECKS_API}/([A-Za-z0-9_-]{1,64})/file$`);
const THUMB_ROUTE = new RegExp(`^${DECKS_API}/([A-Za-z0-9_-]{1,64})/thumbs/([1-9][0-9]{0,3})$`);
const PDFJS_PREFIXES = ['/pdfjs/cmaps/', '/pdfjs/standard_fonts/', '/pdfjs/wasm/', '/pdfjs/iccs/'];
// One plain file name: no slash, no dot-dot, no percent-escapes.
const PDFJS_ROUTE = /^\/pdfjs\/(cmaps|standard_fonts|wasm|iccs)\/([A-Za-z0-9_-]{1,100}(?:\.[A-Za-z0-9]{1,10})?)$/;
const PDFJS_ROOT = path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
const PDFJS_TYPES: Record<string, string> = {
	'.bcmap': 'application/octet-stream',
	'.ttf': 'font/ttf',
	'.pfb': 'application/x-font-type1',
	'.wasm': 'application/wasm',
	'.js': 'text/javascript; charset=utf-8',
	'.icc': 'application/vnd.iccprofile',
	'': 'text/plain; charset=utf-8'
};
/** pdfjs's scripting engine is never served: slides run no PDF JavaScript. */
const PDFJS_NEVER = /^quickjs/i;

/**
 * The slide routes (DECKS_API in protocol/surface.ts) and pdfjs's cmaps and standard fonts. Paths
 * are matched as sent, before any dot-segment clean-up, so `..` never reaches a file name.
 */
export class DeckHttp {
	readonly #deps: DeckHttpDeps;
	readonly #inspector: PdfInspector;

	constructor(deps: DeckHttpDeps) {
		this.#deps = deps;
		this.#inspector = new PdfInspector({ parseTimeoutMs: deps.parseTimeoutMs });
	}

	/** Returns false when the path is not ours, so the next handler takes it. */
	async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
		const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
		const pdfjs = PDFJS_PREFIXES.some((prefix) => rawPath.startsWith(prefix));
		if (!pdfjs && rawPath !== DECKS_API && !rawPath.startsWith(`${DECKS_API}/`)) return false;
		try {
			if (pdfjs) await this.#pdfjsFile(req, res, rawPath);
			else await this.#route(req, res, rawPath, new URL(req.url ?? '/', 'http://localhost'));
		} catch (error) {
			this.#fail(req, res, rawPath, error);
		}
		return true;
	}

	async #route(req: IncomingMessage, res: ServerResponse, rawPath: string, url: URL): Promise<void> {
		const method = req.method ?? 'GET';
		const reading = method === 'GET' || method === 'HEAD';
		if (rawPath === DECKS_API && method === 'POST') return this.#upload(req, res, url);
		if (rawPath === DECKS_API && reading) {
			const grant = await this.#grant(req, url);
			return sendJson(res, 200, await this.#deps.decks.list(grant.lessonId));
		}
		const file = FILE_ROUTE.exec(rawPath);
		if (file && reading) {
			const { grant, deck } = await this.#deck(req, url, file[1] ?? '');
			const served = await serveFile(req, res, this.#deps.decks.filePath(grant.lessonId, deck.id), {
				contentType: 'application/pdf',
				cacheControl: DECK_CACHE,
				headers: { 'content-disposition': `inline; filename*=UTF-8''${encodeURIComponent(deck.fileName)}` }
			});
			if (!served) throw new AppError('not_found', 'this deck has no file');
			return;
		}
		const thumb = THUMB_ROUTE.exec(rawPath);
		if (thumb && reading) {
			const { grant, deck } = await this.#deck(req, url, thumb[1] ?? '');
			const page = Number(thumb[2]);
			if (page > deck.pageCount) throw new AppError('not_found', `this deck has ${deck.pageCount} pages`);
			const served = await serveFile(req, res, this.#deps.decks.thumbPath(grant.lessonId, deck.id, page), { contentType: 'image/png', cacheControl: DECK_CACHE });
			if (!served) throw new AppError('not_found', `no thumbnail for page ${page}`);
			return;
		}
		throw new AppError('not_found', `no route ${method} ${rawPath}`);
	}

	async #upload(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
		const grant = await this.#grant(req, url);
		if (grant.role !== 'teacher') throw new AppError('forbidden', 'only the teacher can upload slides');
		const { decks, maxBytes } = this.#deps;
		if (Number(req.headers['content-length']) > maxBytes) throw tooLarge(maxBytes);
		const fileName = cleanFileName(url.searchParams.get('name'));
		const startedAt = Date.now();
		const staging = await decks.stage();
		let deck: DeckInfo;
		try {
			const bytes = await receiveUpload(req, staging.pdfPath, maxBytes);
			await checkPdfEnvelope(staging.pdfPath, bytes);
			const inspection = await this.#inspector.inspect(staging.pdfPath, staging.thumbsDir);
			deck = {
				id: DeckStore.newId(),
				title: deckTitle(fileName),
				fileName,
				pageCount: inspection.pageCount,
				bytes,
				uploadedAt: Date.now(),
				pages: inspection.pages,
				scriptsIgnored: inspection.scriptsIgnored
			};
			await decks.save(grant.lessonId, staging, deck);
		} catch (error) {
			await decks.discard(staging);
			if (error instanceof DeckRejectedError) log.info({ lessonId: grant.lessonId, reason: error.reason, ms: Date.now() - startedAt }, 'deck refused');
			throw error;
		}
		log.info({ lessonId: grant.lessonId, deckId: deck.id, pages: deck.pageCount, bytes: deck.bytes, ms: Date.now() - startedAt }, 'deck uploaded');
		try {
			await this.#deps.onUploaded(grant.lessonId, deck, grant);
		} catch (error) {
			// The deck is stored; the teacher can still pick it from the list.
			log.error({ lessonId: grant.lessonId, deckId: deck.id, err: (error as Error).message }, 'deck upload callback failed');
		}
		sendJson(res, 201, deck);
	}

	async #pdfjsFile(req: IncomingMessage, res: ServerResponse, rawPath: string): Promise<void> {
		const match = PDFJS_ROUTE.exec(rawPath);
		if (!match || PDFJS_NEVER.test(match[2] ?? '') || (req.method !== 'GET' && req.method !== 'HEAD')) throw new AppError('not_found', 'no such pdfjs file');
		const [, folder = '', name = ''] = match;
		const served = await serveFile(req, res, path.join(PDFJS_ROOT, folder, name), {
			contentType: PDFJS_TYPES[path.extname(name)] ?? 'application/octet-stream',
			cacheControl: PDFJS_CACHE
		});
		if (!served) throw new AppError('not_found', 'no such pdfjs file');
	}

	async #grant(req: IncomingMessage, url: URL): Promise<LessonGrant> {
		const grant = await unauthorizedOnRefusal(this.#deps.tokens.verifyLesson(bearerToken(req) ?? url.searchParams.get('t')));
		if (req.method !== 'POST') await this.#deps.beforeRead?.(grant.lessonId);
		return grant;
	}

	/** A deck of the token's own lesson; any other lesson's deck does not exist for this token. */
	async #deck(req: IncomingMessage, url: URL, deckId: string): Promise<{ grant: LessonGrant; deck: DeckInfo }> {
		const grant = await this.#grant(req, url);
		const deck = await this.#deps.decks.get(grant.lessonId, deckId);
		if (!deck) throw new AppError('not_found', 'no such deck in this lesson');
		return { grant, deck };
	}

	#fail(req: IncomingMessage, res: ServerResponse, rawPath: string, error: unknown): void {
		const broken = res.headersSent;
		sendError(res, error, { log, path: rawPath });
		if (!broken) discardRest(req);
	}
}
