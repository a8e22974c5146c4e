import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';

const MAX_BODY_BYTES = 32 * 1024;

/** An API answer other than 2xx: `{ error: { code, message } }` with this status. */
export class HttpError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string
	) {
		super(message);
	}
}

/** A JSON answer that no cache keeps. */
export function sendJson(res: ServerResponse, status: number, json: unknown): void {
	const body = JSON.stringify(json);
	res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
	res.end(body);
}

export function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
	const result = schema.safeParse(value);
	if (!result.success) {
		const issue = result.error.issues[0];
		throw new HttpError(400, 'invalid', issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid input');
	}
	return result.data;
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req) {
		size += (chunk as Buffer).length;
		if (size > MAX_BODY_BYTES) throw new HttpError(413, 'invalid', 'request body too large');
		chunks.push(chunk as Buffer);
	}
	try {
		return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
	} catch {
		throw new HttpError(400, 'invalid', 'body is not valid JSON');
	}
}

/**
 * The address a request came from. Behind `trustedProxies` reverse proxies (TRUST_PROXY) it is the
 * X-Forwarded-For entry that many hops from the right: entries further left are the client's own
 * claim and could be forged.
 */
export function clientAddress(req: IncomingMessage, trustedProxies: number): string {
	const direct = req.socket.remoteAddress ?? 'unknown';
	if (trustedProxies <= 0) return direct;
	const header = req.headers['x-forwarded-for'];
	const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((h) => h.trim()).filter(Boolean);
	return hops[hops.length - trustedProxies] ?? hops[0] ?? direct;
}
