import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';

export interface ServeFileOptions {
	contentType: string;
	cacheControl: string;
	/** More response headers (Content-Disposition, …). */
	headers?: Record<string, string>;
}

const CLIENT_GONE = new Set(['ERR_STREAM_PREMATURE_CLOSE', 'ECONNRESET', 'EPIPE']);

interface ByteRange {
	start: number;
	/** Inclusive. */
	end: number;
}

/**
 * Sends one file for GET or HEAD: ETag (size and mtime) with If-None-Match → 304, and a single
 * byte range (`Range: bytes=a-b`, `a-`, `-n`) → 206, or 416 when it lies past the end. Several
 * ranges, or an If-Range that no longer matches, get the whole file.
 * Resolves false, having sent nothing, when there is no such file.
 */
export async function serveFile(req: IncomingMessage, res: ServerResponse, filePath: string, options: ServeFileOptions): Promise<boolean> {
	const info = await stat(filePath).catch((error: NodeJS.ErrnoException) => {
		if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
		throw error;
	});
	if (!info?.isFile()) return false;
	const size = info.size;
	const etag = `"${size.toString(36)}-${Math.floor(info.mtimeMs).toString(36)}"`;
	const headers: Record<string, string | number> = {
		'content-type': options.contentType,
		'cache-control': options.cacheControl,
		etag,
		'last-modified': info.mtime.toUTCString(),
		'accept-ranges': 'bytes',
		'x-content-type-options': 'nosniff',
		...options.headers
	};
	if (matchesEtag(req.headers['if-none-match'], etag)) {
		res.writeHead(304, headers);
		res.end();
		return true;
	}
	const ifRange = req.headers['if-range'];
	const range = ifRange === undefined || ifRange === etag ? parseRange(req.headers.range, size) : null;
	if (range === 'unsatisfiable') {
		res.writeHead(416, { ...headers, 'content-range': `bytes */${size}`, 'content-length': 0 });
		res.end();
		return true;
	}
	if (range) {
		res.writeHead(206, { ...headers, 'content-range': `bytes ${range.start}-${range.end}/${size}`, 'content-length': range.end - range.start + 1 });
	} else {
		res.writeHead(200, { ...headers, 'content-length': size });
	}
	if (req.method === 'HEAD' || size === 0) {
		res.end();
		return true;
	}
	try {
		await pipeline(createReadStream(filePath, range ?? {}), res);
	} catch (error) {
		// A client that goes away mid-file is normal (seeking, closed tab); a read error is not.
		if (!CLIENT_GONE.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
	}
	return true;
}

function matchesEtag(header: string | undefined, etag: string): boolean {
	if (!header) return false;
	return header.split(',').some((candidate) => {
		const tag = candidate.trim();
		return tag === '*' || tag.replace(/^W\//, '') === etag;
	});
}

/** null: serve the whole file (no Range, or one this server ignores as the RFC allows). */
function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
	if (!header) return null;
	const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
	if (!match) return null;
	const [, first = '', last = ''] = match;
	if (first === '' && last === '') return null;
	if (first === '') {
		const suffix = Number(last);
		if (suffix === 0 || size === 0) return 'unsatisfiable';
		return { start: Math.max(0, size - suffix), end: size - 1 };
	}
	const start = Number(first);
	if (last !== '' && Number(last) < start) return null;
	if (start >= size) return 'unsatisfiable';
	return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}
