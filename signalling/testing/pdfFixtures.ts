import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createCanvas } from '@napi-rs/canvas';
import { degrees, PDFDocument, PDFName, PDFString, rgb, StandardFonts } from 'pdf-lib';

/** Test PDFs made with pdf-lib (and Debian's qpdf for encryption), as Buffers (fetch bodies, Playwright files). */

const run = promisify(execFile);

/** A Buffer over a plain ArrayBuffer: what fetch bodies accept. */
export type PdfBytes = Buffer<ArrayBuffer>;

export interface DeckOptions {
	/** Page size in PDF points; a 16:9 slide by default. */
	width?: number;
	height?: number;
	/** /Rotate of every page (0, 90, 180, 270). */
	rotate?: number;
}

/** One page per string, the string in large visible text (the text layer finds it). */
export async function makeDeck(pages: string[], options: DeckOptions = {}): Promise<PdfBytes> {
	const doc = await PDFDocument.create();
	doc.setTitle('Classbridge test deck');
	const font = await doc.embedFont(StandardFonts.Helvetica);
	const width = options.width ?? 960;
	const height = options.height ?? 540;
	pages.forEach((text, index) => {
		const page = doc.addPage([width, height]);
		if (options.rotate) page.setRotation(degrees(options.rotate));
		const size = Math.min(48, (width * 0.8) / Math.max(1, font.widthOfTextAtSize(text, 1)));
		page.drawText(text, { x: width * 0.1, y: height / 2, size, font, color: rgb(0.1, 0.1, 0.4) });
		// A bar whose length depends on the page, so every page's thumbnail differs visibly.
		page.drawRectangle({ x: width * 0.1, y: height * 0.2, width: ((index % 8) + 1) * (width / 10), height: height * 0.08, color: rgb(0.9, 0.4, 0.1) });
	});
	return Buffer.from(await doc.save());
}

/**
 * A deck with a JavaScript action that a PDF viewer with scripting would run: the catalog's
 * OpenAction (`document`), or the first page's open action, /AA /O (`page`).
 */
export async function withJavaScript(where: 'document' | 'page' = 'document', pages = ['Page 1: scripts', 'Page 2: more']): Promise<PdfBytes> {
	const doc = await PDFDocument.load(await makeDeck(pages));
	const action = doc.context.register(doc.context.obj({ Type: 'Action', S: 'JavaScript', JS: PDFString.of("app.alert('hello from the PDF');") }));
	if (where === 'document') doc.catalog.set(PDFName.of('OpenAction'), action);
	else doc.getPage(0).node.set(PDFName.of('AA'), doc.context.obj({ O: action }));
	return Buffer.from(await doc.save());
}

/** A deck that needs the password "user" to open (AES-256, by qpdf). */
export async function encrypted(pages = ['Page 1: secret']): Promise<PdfBytes> {
	return qpdfEncrypt(await makeDeck(pages), 'user');
}

/** Encrypted with only an owner password: it opens without a password but is still encrypted. */
export async function ownerOnlyEncrypted(pages = ['Page 1: restricted']): Promise<PdfBytes> {
	return qpdfEncrypt(await makeDeck(pages), '');
}

/** A good deck cut to 60 % of its bytes, like an interrupted download. */
export async function truncated(pages = ['Page 1: cut', 'Page 2: off', 'Page 3: here']): Promise<PdfBytes> {
	const bytes = await makeDeck(pages);
	return bytes.subarray(0, Math.floor(bytes.length * 0.6));
}

/** Starts like a PDF and ends like one, with nothing readable in between. */
export function garbled(): PdfBytes {
	const junk = Buffer.alloc(4096, 'x');
	return Buffer.concat([Buffer.from('%PDF-1.7\n'), junk, Buffer.from('\nstartxref\n999999\n%%EOF\n')]);
}

/** A PNG image, as if someone renamed a picture to slides.pdf. */
export function notPdf(): PdfBytes {
	const canvas = createCanvas(32, 32);
	const context = canvas.getContext('2d');
	context.fillStyle = '#c33';
	context.fillRect(0, 0, 32, 32);
	return Buffer.from(canvas.toBuffer('image/png'));
}

/** A valid deck of at least `bytes` bytes (an unreferenced filler stream). */
export async function oversized(bytes: number): Promise<PdfBytes> {
	const doc = await PDFDocument.load(await makeDeck(['Page 1: big']));
	doc.context.register(doc.context.stream(new Uint8Array(bytes).fill(0x41)));
	return Buffer.from(await doc.save({ useObjectStreams: false }));
}

async function qpdfEncrypt(bytes: PdfBytes, userPassword: string): Promise<PdfBytes> {
	const dir = await mkdtemp(path.join(tmpdir(), 'cb-qpdf-'));
	try {
		const input = path.join(dir, 'in.pdf');
		const output = path.join(dir, 'out.pdf');
		await writeFile(input, bytes);
		await run('qpdf', ['--encrypt', userPassword, 'owner-secret', '256', '--', input, output]);
		return await readFile(output);
	} finally {
		await rm(dir, { recursive: true, force: true });
	}
}
