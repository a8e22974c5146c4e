import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { AppError } from '../../core/errors.ts';
import { DeckRejectedError } from './errors.ts';

const PDF_MAGIC = Buffer.from('%PDF-');
const EOF_MARKER = '%%EOF';
/** How far from the end the %%EOF marker may be (writers add a newline or a little padding). */
const EOF_WINDOW = 1024;
/** After an early answer, how long the rest of a body is read and dropped before hanging up. */
const LINGER_MS = 5000;

export function tooLarge(maxBytes: number): DeckRejectedError {
	return new DeckRejectedError('too_large', `this file is larger than the ${formatBytes(maxBytes)} limit for slides; export a smaller PDF (fewer or smaller images)`);
}

/**
 * Writes the request body to `filePath`, counting bytes; past `maxBytes` it stops reading at once
 * and rejects with `too_large` (the caller answers, then `discardRest`). Resolves with the size.
 */
export function receiveUpload(req: IncomingMessage, filePath: string, maxBytes: number): Promise<number> {
	return new Promise((resolve, reject) => {
		const out = createWriteStream(filePath, { flags: 'wx' });
		let bytes = 0;
		let done = false;
		const detach = () => {
			req.off('data', onData);
			req.off('end', onEnd);
			req.off('close', onClose);
			req.off('error', onError);
		};
		const fail = (error: Error) => {
			if (done) return;
			done = true;
			detach();
			req.pause();
			out.destroy();
			out.once('close', () => reject(error));
		};
		const onData = (chunk: Buffer) => {
			bytes += chunk.length;
			if (bytes > maxBytes) return fail(tooLarge(maxBytes));
			if (!out.write(chunk)) {
				req.pause();
				out.once('drain', () => req.resume());
			}
		};
		const onEnd = () => {
			if (done) return;
			done = true;
			detach();
			out.end();
			out.once('close', () => resolve(bytes));
		};
		const onClose = () => {
			if (!req.complete) fail(new AppError('invalid', 'the upload was interrupted; try again'));
		};
		const onError = (error: Error) => fail(new AppError('invalid', `the upload failed: ${error.message}`));
		out.once('error', (error) => fail(error));
		req.on('data', onData);
		req.once('end', onEnd);
		req.once('close', onClose);
		req.once('error', onError);
	});
}

/** The cheap checks before pdfjs: a PDF header, and an end marker (else the file was cut off). */
export async function checkPdfEnvelope(filePath: string, size: number): Promise<void> {
	if (size === 0) throw new DeckRejectedError('not_pdf', 'the file is empty');
	const handle = await open(filePath, 'r');
	try {
		const head = Buffer.alloc(PDF_MAGIC.length);
		await handle.read(head, 0, head.length, 0);
		if (!head.equals(PDF_MAGIC)) {
			throw new DeckRejectedError('not_pdf', 'this file is not a PDF; save or export your slides as PDF and upload that file');
		}
		const tail = Buffer.alloc(Math.min(EOF_WINDOW, size));
		await handle.read(tail, 0, tail.length, size - tail.length);
		if (!tail.includes(EOF_MARKER)) {
			throw new DeckRejectedError('corrupt', 'this PDF looks cut off (its end is missing), so the file is incomplete; upload the complete file again');
		}
	} finally {
		await handle.close();
	}
}

/**
 * Called after answering before the body was read (refusals): reads and drops what the client is
 * still sending, so it gets to see the answer rather than a reset connection, and hangs up after
 * LINGER_MS if the client keeps sending.
 */
export function discardRest(req: IncomingMessage): void {
	if (req.complete || req.destroyed) return;
	const timer = setTimeout(() => req.socket.destroy(), LINGER_MS);
	timer.unref();
	req.once('end', () => clearTimeout(timer));
	req.once('close', () => clearTimeout(timer));
	req.resume();
}

function formatBytes(bytes: number): string {
	const mb = bytes / (1024 * 1024);
	if (mb >= 1) return `${Math.round(mb * 10) / 10} MB`;
	return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}
