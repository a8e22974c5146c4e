import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { Logger } from 'pino';
import { AppError } from '../errors.ts';
import { httpAnswer } from '../errorAnswers.ts';

const MAX_BODY_BYTES = 32 * 1024;

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

/**
 * The error answer of a JSON route, `{ error: { code, message } }` with the status of the error's
 * code (core/errorAnswers.ts). A response already under way is cut off instead.
 */
export function sendError(res: ServerResponse, error: unknown, context: { log: Logger; path: string }): void {
	if (res.headersSent) {
		context.log.warn({ err: (error as Error).message, path: context.path }, 'response broken off');
		res.destroy();
		return;
	}
	const answer = httpAnswer(error, context.log, { path: context.path });
	sendJson(res, answer.status, answer.body);
}

/** One percent-encoded path segment, decoded; a malformed escape is the sender's error (400), not ours. */
export function decodePathPart(part: string | undefined): string {
	try {
		return decodeURIComponent(part ?? '');
	} catch {
		throw new AppError('invalid', 'the address has a malformed percent-escape');
	}
}

export function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
	const result = schema.safeParse(value);
	if (!result.success) {
		const issue = result.error.issues[0];
		throw new AppError('invalid', issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid input');
	}
	return result.data;
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req) {
		size += (chunk as Buffer).length;
		if (size > MAX_BODY_BYTES) throw new AppError('too_large', 'request body too large');
		chunks.push(chunk as Buffer);
	}
	try {
		return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
	} catch {
		throw new AppError('invalid', 'body is not valid JSON');
	}
}

/** Requests another node of the deployment forwarded, with the client address that node saw. */
const relayedAddresses = new WeakMap<IncomingMessage, string>();

/** Another node (whose forwarding stamp was checked) saw this request come from `address`. */
export function relayClientAddress(req: IncomingMessage, address: string): void {
	relayedAddresses.set(req, address);
}

/**
 * The address a request came from: the one the forwarding node saw, for a request another node
 * of the deployment forwarded; behind `trustedProxies` reverse proxies (TRUST_PROXY), the
 * X-Forwarded-For entry that many hops from the right (entries further left are the client's own
 * claim and could be forged); else the socket's.
 */
export function clientAddress(req: IncomingMessage, trustedProxies: number): string {
	const relayed = relayedAddresses.get(req);
	if (relayed !== undefined) return relayed;
	const direct = req.socket.remoteAddress ?? 'unknown';
	if (trustedProxies <= 0) return direct;
	const header = req.headers['x-forwarded-for'];
	const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((h) => h.trim()).filter(Boolean);
	return hops[hops.length - trustedProxies] ?? hops[0] ?? direct;
}
