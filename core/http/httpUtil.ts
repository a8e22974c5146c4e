import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { TokenError } from '../../signalling/auth/TokenService.ts';
import type { moduleLogger } from '../logger.ts';

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

/** The token of an `Authorization: Bearer …` header, if there is one. */
export function bearerToken(req: IncomingMessage): string | undefined {
	const header = req.headers.authorization;
	return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}

/** A route's own typed failure, answered with this status and code. */
export interface CodedFailure {
	status: number;
	code: string;
	message: string;
}

/**
 * The error answer of a JSON route, `{ error: { code, message } }`: an HttpError with its status, a
 * refused token as 401 `unauthorized`, the route's own typed errors through `classify`; anything else
 * is logged and answered 500. A response already under way is cut off instead.
 */
export function sendError(
	res: ServerResponse,
	error: unknown,
	context: { log: ReturnType<typeof moduleLogger>; path: string; classify?: (error: unknown) => CodedFailure | null }
): void {
	if (res.headersSent) {
		context.log.warn({ err: (error as Error).message, path: context.path }, 'response broken off');
		res.destroy();
		return;
	}
	const coded = context.classify?.(error) ?? null;
	if (error instanceof HttpError) sendJson(res, error.status, { error: { code: error.code, message: error.message } });
	else if (error instanceof TokenError) sendJson(res, 401, { error: { code: 'unauthorized', message: error.message } });
	else if (coded) sendJson(res, coded.status, { error: { code: coded.code, message: coded.message } });
	else {
		context.log.error({ err: (error as Error).message, path: context.path }, 'api error');
		sendJson(res, 500, { error: { code: 'internal', message: 'something went wrong on the server' } });
	}
}

/** One percent-encoded path segment, decoded; a malformed escape is the sender's error (400), not ours. */
export function decodePathPart(part: string | undefined): string {
	try {
		return decodeURIComponent(part ?? '');
	} catch {
		throw new HttpError(400, 'invalid', 'the address has a malformed percent-escape');
	}
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
