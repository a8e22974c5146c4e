// Runs in a worker_threads Worker started by PdfInspector, so a hostile or huge PDF can be stopped
// (terminate) without touching the server's event loop. It must also run under plain Node's type
// stripping: erasable TypeScript only, and imports of node: modules and npm packages only.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { createCanvas } from '@napi-rs/canvas';
import { getDocument, PasswordException, VerbosityLevel } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { PDFDocumentProxy, PDFPageProxy } from 'pdfjs-dist/types/src/display/api.d.ts';

export interface InspectJob {
	pdfPath: string;
	/** Thumbnails are written here as 1.png, 2.png, … */
	thumbsDir: string;
	maxPages: number;
	thumbWidth: number;
}

export interface InspectedPage {
	width: number;
	height: number;
}

export type InspectMessage =
	| { type: 'started' }
	| { type: 'done'; pageCount: number; pages: InspectedPage[]; scriptsIgnored: boolean }
	| { type: 'refused'; reason: 'encrypted' | 'too_many_pages' | 'corrupt'; message: string };

/** A thumbnail is never taller than this many times its width (a pathological strip of a page). */
const MAX_THUMB_ASPECT = 4;

const pdfjsRoot = path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
// pdfjs reads these with fs in Node, so they are paths (with the trailing slash pdfjs requires).
const standardFontDataUrl = path.join(pdfjsRoot, 'standard_fonts') + path.sep;
const cMapUrl = path.join(pdfjsRoot, 'cmaps') + path.sep;
const wasmUrl = path.join(pdfjsRoot, 'wasm') + path.sep;
const iccUrl = path.join(pdfjsRoot, 'iccs') + path.sep;

const ENCRYPTED_MESSAGE = 'this PDF is password-protected or encrypted: remove the password protection and upload again';

class Refusal extends Error {
	readonly reason: 'encrypted' | 'too_many_pages' | 'corrupt';
	constructor(reason: 'encrypted' | 'too_many_pages' | 'corrupt', message: string) {
		super(message);
		this.reason = reason;
	}
}

async function inspect(job: InspectJob): Promise<InspectMessage> {
	const data = new Uint8Array(await readFile(job.pdfPath));
	const task = getDocument({
		data,
		stopAtErrors: true,
		// pdfjs 6 has no eval code path any more; kept so an older pdfjs would still never eval.
		...({ isEvalSupported: false } as object),
		standardFontDataUrl,
		cMapUrl,
		cMapPacked: true,
		wasmUrl,
		iccUrl,
		useSystemFonts: false,
		verbosity: VerbosityLevel.ERRORS
	});
	let doc: PDFDocumentProxy;
	try {
		doc = await task.promise;
	} catch (error) {
		await task.destroy().catch(() => {});
		if (error instanceof PasswordException) return refused(new Refusal('encrypted', ENCRYPTED_MESSAGE));
		return refused(new Refusal('corrupt', `this file could not be read as a PDF (${describe(error)})`));
	}
	try {
		if (await isEncrypted(doc)) throw new Refusal('encrypted', ENCRYPTED_MESSAGE);
		if (doc.numPages > job.maxPages) {
			throw new Refusal('too_many_pages', `this PDF has ${doc.numPages} pages; a deck may have at most ${job.maxPages}`);
		}
		if (doc.numPages < 1) throw new Refusal('corrupt', 'this PDF has no pages');
		await mkdir(job.thumbsDir, { recursive: true });
		let scripts = await documentHasScripts(doc);
		const pages: InspectedPage[] = [];
		for (let n = 1; n <= doc.numPages; n++) {
			const page = await doc.getPage(n);
			const viewport = page.getViewport({ scale: 1 });
			if (!(viewport.width > 0 && viewport.height > 0)) throw new Refusal('corrupt', `page ${n} has no size`);
			pages.push({ width: round2(viewport.width), height: round2(viewport.height) });
			scripts ||= await pageHasScripts(page);
			await writeFile(path.join(job.thumbsDir, `${n}.png`), await thumbnail(page, viewport.width, viewport.height, job.thumbWidth));
			page.cleanup();
		}
		return { type: 'done', pageCount: doc.numPages, pages, scriptsIgnored: scripts };
	} catch (error) {
		if (error instanceof Refusal) return refused(error);
		return refused(new Refusal('corrupt', `this PDF is damaged and could not be read (${describe(error)})`));
	} finally {
		await task.destroy().catch(() => {});
	}
}

/** Password-protected files fail to open; owner-password-only files open, but are refused too. */
async function isEncrypted(doc: PDFDocumentProxy): Promise<boolean> {
	const [permissions, metadata] = await Promise.all([doc.getPermissions(), doc.getMetadata()]);
	const info = metadata.info as { EncryptFilterName?: unknown };
	return permissions !== null || (info.EncryptFilterName !== null && info.EncryptFilterName !== undefined);
}

/** getJSActions covers the names tree's scripts, a JavaScript OpenAction and the catalog's /AA;
 * hasJSActions adds form fields' scripts. */
async function documentHasScripts(doc: PDFDocumentProxy): Promise<boolean> {
	const [actions, formScripts] = await Promise.all([doc.getJSActions(), doc.hasJSActions()]);
	return hasEntries(actions) || formScripts;
}

async function pageHasScripts(page: PDFPageProxy): Promise<boolean> {
	if (hasEntries(await page.getJSActions())) return true;
	const annotations = (await page.getAnnotations()) as { actions?: unknown }[];
	return annotations.some((annotation) => hasEntries(annotation.actions));
}

function hasEntries(value: unknown): boolean {
	if (value === null || value === undefined) return false;
	if (value instanceof Map) return value.size > 0;
	return typeof value === 'object' && Object.keys(value).length > 0;
}

async function thumbnail(page: PDFPageProxy, width: number, height: number, thumbWidth: number): Promise<Buffer> {
	const scale = Math.min(thumbWidth / width, (thumbWidth * MAX_THUMB_ASPECT) / height);
	const viewport = page.getViewport({ scale });
	const canvas = createCanvas(Math.max(1, Math.round(viewport.width)), Math.max(1, Math.round(viewport.height)));
	await page.render({ canvas: canvas as unknown as HTMLCanvasElement, viewport }).promise;
	return canvas.encode('png');
}

function refused(error: Refusal): InspectMessage {
	return { type: 'refused', reason: error.reason, message: error.message };
}

function describe(error: unknown): string {
	const message = error instanceof Error ? error.message : String(error);
	return message.slice(0, 200) || 'unknown error';
}

function round2(value: number): number {
	return Math.round(value * 100) / 100;
}

const port = parentPort;
if (!port) throw new Error('pdfInspect.worker.ts runs only as a worker thread (see PdfInspector)');
port.postMessage({ type: 'started' } satisfies InspectMessage);
port.postMessage(await inspect(workerData as InspectJob));
