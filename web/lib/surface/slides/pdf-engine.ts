import { GlobalWorkerOptions, TextLayer, getDocument, type PDFDocumentLoadingTask, type PDFDocumentProxy } from 'pdfjs-dist';
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';
import { deckFileUrl } from '../deck-api.ts';
import { cachedDeck } from '../deck-cache.svelte.ts';

/*
 * pdfjs, loaded only when a slide is first shown. Documents run without scripting (pdfjs 6 has no
 * eval path at all, so the old `isEvalSupported` switch is gone), and cmaps and standard fonts come
 * from this server: schools may have no internet.
 */
GlobalWorkerOptions.workerSrc = workerUrl;

const KEEP_DOCS = 3;
const docs = new Map<string, PDFDocumentLoadingTask>();

/** A lesson deck: from Cache Storage when fetched ahead (deck-cache.svelte.ts), else from the server. */
export async function openDeck(deckId: string, token: string): Promise<PDFDocumentProxy> {
	if (!docs.has(deckId)) {
		const data = await cachedDeck(deckId);
		if (data && !docs.has(deckId)) return openPdf(deckId, deckFileUrl(deckId), {}, data);
	}
	return openPdf(deckId, deckFileUrl(deckId), { Authorization: `Bearer ${token}` });
}

/** Any PDF by URL (a replay's deck, authorised in its query), cached under `key` with the decks. */
export function openPdf(key: string, url: string, httpHeaders: Record<string, string> = {}, data?: Uint8Array): Promise<PDFDocumentProxy> {
	const cached = docs.get(key);
	if (cached) {
		// Most recently used last, so the oldest is the first to go.
		docs.delete(key);
		docs.set(key, cached);
		return cached.promise;
	}
	const task = getDocument({
		...(data ? { data } : { url, httpHeaders }),
		cMapUrl: '/pdfjs/cmaps/',
		cMapPacked: true,
		standardFontDataUrl: '/pdfjs/standard_fonts/',
		// Image decoders (JPEG 2000, JBIG2) and colour profiles, from this server: schools have no CDN.
		wasmUrl: '/pdfjs/wasm/',
		iccUrl: '/pdfjs/iccs/'
	});
	task.promise.catch(() => {
		if (docs.get(key) === task) docs.delete(key);
	});
	docs.set(key, task);
	while (docs.size > KEEP_DOCS) {
		const [oldest, old] = docs.entries().next().value as [string, PDFDocumentLoadingTask];
		docs.delete(oldest);
		void old.destroy().catch(() => {});
	}
	return task.promise;
}

/** Largest backing store we draw into (a 4K screen fits; a 16K one is capped). */
const MAX_CANVAS_PIXELS = 5120 * 2880;

/**
 * Renders page `pageNumber` into a new canvas, `width` device pixels wide, or (for export)
 * `{ scale }` device pixels per PDF point.
 */
export async function renderPageCanvas(
	doc: PDFDocumentProxy,
	pageNumber: number,
	size: { width: number } | { scale: number }
): Promise<HTMLCanvasElement> {
	const page = await doc.getPage(pageNumber);
	const base = page.getViewport({ scale: 1 });
	let scale = 'scale' in size ? size.scale : size.width / base.width;
	const area = base.width * base.height * scale * scale;
	if (area > MAX_CANVAS_PIXELS) scale *= Math.sqrt(MAX_CANVAS_PIXELS / area);
	const viewport = page.getViewport({ scale });
	const canvas = document.createElement('canvas');
	canvas.width = Math.max(1, Math.round(viewport.width));
	canvas.height = Math.max(1, Math.round(viewport.height));
	await page.render({ canvas, viewport }).promise;
	return canvas;
}

export interface RenderedText {
	text: string;
	cancel(): void;
}

/** Lays the page's text out in `container` (transparent spans over the canvas, `cssWidth` wide). */
export async function renderTextLayer(
	doc: PDFDocumentProxy,
	pageNumber: number,
	container: HTMLElement,
	cssWidth: number
): Promise<RenderedText> {
	const page = await doc.getPage(pageNumber);
	const base = page.getViewport({ scale: 1 });
	const viewport = page.getViewport({ scale: cssWidth / base.width });
	const textContentSource = await pageText(doc, pageNumber);
	container.replaceChildren();
	container.style.setProperty('--total-scale-factor', String(viewport.scale));
	const layer = new TextLayer({ textContentSource, container, viewport });
	await layer.render();
	return { text: layer.textContentItemsStr.join(' ').replace(/\s+/g, ' ').trim(), cancel: () => layer.cancel() };
}

type TextContent = Awaited<ReturnType<Awaited<ReturnType<PDFDocumentProxy['getPage']>>['getTextContent']>>;
const texts = new WeakMap<PDFDocumentProxy, Map<number, Promise<TextContent>>>();

/**
 * A page's text, extracted once per open document: the slide view asks for the next page's while
 * the current one shows, so a page turn lays its text out without a round trip to pdf.js's worker.
 */
export function pageText(doc: PDFDocumentProxy, pageNumber: number): Promise<TextContent> {
	let pages = texts.get(doc);
	if (!pages) texts.set(doc, (pages = new Map()));
	let text = pages.get(pageNumber);
	if (!text) {
		text = doc.getPage(pageNumber).then((page) => page.getTextContent());
		text.catch(() => pages.delete(pageNumber));
		pages.set(pageNumber, text);
	}
	return text;
}

/** A page's size in PDF points at scale 1 (rotation applied). */
export async function pageSize(doc: PDFDocumentProxy, pageNumber: number): Promise<{ width: number; height: number }> {
	const viewport = (await doc.getPage(pageNumber)).getViewport({ scale: 1 });
	return { width: viewport.width, height: viewport.height };
}

/**
 * Opens a deck fetched ahead and draws its first page small, off screen, so that pdf.js's code,
 * worker and fonts are on the device before the deck is shown: the first showing then needs only
 * the page number too, not a megabyte of code across a thin link.
 */
export async function warmDeck(deckId: string, token: string): Promise<void> {
	const doc = await openDeck(deckId, token);
	await renderPageCanvas(doc, 1, { width: 64 });
	await pageText(doc, 1);
}

/**
 * Puts pdf.js's worker script in the browser's HTTP cache (a low-priority fetch, read to the end),
 * so the first deck opened on a thin link starts its worker from the device.
 */
export async function prefetchWorker(): Promise<void> {
	const res = await fetch(workerUrl, { priority: 'low' });
	if (!res.ok) throw new Error(`pdf.js worker: HTTP ${res.status}`);
	await res.arrayBuffer();
}
