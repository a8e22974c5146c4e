import type { BrowserContext, Page } from '@playwright/test';

type CspWindow = { __cbReportCsp?: (text: string) => void };

/** Browser messages that mean a Content-Security-Policy refused something. */
const CSP_MESSAGE = /Content[ -]Security[ -]Policy|Refused to (load|execute|apply|connect|create|frame|compile|evaluate|run)/i;

/**
 * Collects every CSP violation in a browser context: the `securitypolicyviolation` DOM event of each
 * document it opens, and the browser's own console errors (workers' included).
 */
export async function watchCsp(context: BrowserContext): Promise<{ violations: string[] }> {
	const violations: string[] = [];
	await context.exposeFunction('__cbReportCsp', (text: string) => violations.push(text));
	await context.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (e) => {
			(window as CspWindow).__cbReportCsp?.(`${location.pathname}: ${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
		});
	});
	const attach = (page: Page) => {
		page.on('console', (message) => {
			if (CSP_MESSAGE.test(message.text())) violations.push(`${new URL(page.url()).pathname} console ${message.type()}: ${message.text()}`);
		});
		page.on('pageerror', (error) => {
			if (CSP_MESSAGE.test(error.message)) violations.push(`${new URL(page.url()).pathname} error: ${error.message}`);
		});
	};
	context.pages().forEach(attach);
	context.on('page', attach);
	return { violations };
}

/**
 * A one-page deck whose picture is JPEG 2000: pdfjs decodes it with its wasm decoder in its worker,
 * which the policy must allow ('wasm-unsafe-eval' for the worker's script). The picture is solid red.
 */
export async function jpxDeck(title: string): Promise<Buffer> {
	const { execFileSync } = await import('node:child_process');
	const { PDFDocument, StandardFonts, rgb } = await import('pdf-lib');
	const jp2 = execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'color=c=red:size=64x64', '-frames:v', '1', '-pix_fmt', 'rgb24', '-c:v', 'jpeg2000', '-f', 'image2pipe', '-']);
	const doc = await PDFDocument.create();
	const page = doc.addPage([960, 540]);
	const font = await doc.embedFont(StandardFonts.Helvetica);
	page.drawText(title, { x: 96, y: 440, size: 40, font, color: rgb(0.1, 0.1, 0.4) });
	const image = doc.context.register(
		doc.context.stream(jp2, { Type: 'XObject', Subtype: 'Image', Width: 64, Height: 64, ColorSpace: 'DeviceRGB', BitsPerComponent: 8, Filter: 'JPXDecode' })
	);
	const name = page.node.newXObject('Jpx', image);
	// Draw it at (480, 60), 384 x 384 points: the lower right of the slide.
	const { pushGraphicsState, popGraphicsState, concatTransformationMatrix, drawObject } = await import('pdf-lib');
	page.pushOperators(pushGraphicsState(), concatTransformationMatrix(384, 0, 0, 384, 480, 60), drawObject(name), popGraphicsState());
	return Buffer.from(await doc.save());
}
