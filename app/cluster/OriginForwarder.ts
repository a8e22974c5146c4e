import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createProxyServer, type ProxyServer } from 'http-proxy-3';
import { moduleLogger } from '../../core/logger.ts';
import { requestTarget } from '../../core/http/requestTarget.ts';
import { clientAddress, relayClientAddress } from '../../core/http/httpUtil.ts';
import { isIP } from 'node:net';
import type { LessonOrigins } from '../../signalling/cluster/LessonOrigins.ts';
import type { NodeInfo } from '../../signalling/cluster/NodeRegistry.ts';
import { lessonOfRequest, type LessonOfJoinCode } from './lessonOfRequest.ts';
import { ANALYTICS_API, DATA_API, PACKAGES_API, RECORDINGS_API } from '../../protocol/index.ts';

const log = moduleLogger('cluster:forward');

/**
 * Set on every forwarded request: the node it reaches serves it, whatever it thinks of the origin
 * (no loops). It is `node id.signature` under the deployment's shared secret, so a client cannot
 * set it to be served by a node that is not the lesson's.
 */
export const FORWARDED_HEADER = 'x-classbridge-forwarded-by';
/** The client address the forwarding node saw; believed only beside a valid FORWARDED_HEADER. */
export const CLIENT_ADDRESS_HEADER = 'x-classbridge-client-address';

export interface OriginForwarderOptions {
	origins: LessonOrigins;
	selfId: string;
	secret: Uint8Array;
	/** The node that holds the analytics store, when it is another one. */
	analyticsNode: () => Promise<NodeInfo | null>;
	/** A node holding a recorded lesson's package, when this one does not. */
	recordingNode: (lessonId: string) => Promise<NodeInfo | null>;
	/** The lesson a phone's join code opens (its join goes to that lesson's node). */
	lessonOfJoinCode: LessonOfJoinCode;
	/** Reverse proxies in front of this node (TRUST_PROXY): how it reads a client's address. */
	trustProxy: number;
}

/**
 * Sends a lesson's sockets (socket.io, the board) and lesson-token requests (decks, the session)
 * to the lesson's origin node when that is another node, so that one process holds each live
 * lesson: its presence, media, board room, poll timers and recording.
 */
export class OriginForwarder {
	readonly #options: OriginForwarderOptions;
	readonly #stamp: string;
	readonly #proxy: ProxyServer;

	constructor(options: OriginForwarderOptions) {
		this.#options = options;
		this.#stamp = `${options.selfId}.${this.#sign(options.selfId)}`;
		this.#proxy = createProxyServer({ xfwd: true, ws: true, proxyTimeout: 120_000 });
		this.#proxy.on('error', (error, _req, target) => {
			log.warn({ err: error.message }, 'forwarding to the origin failed');
			if (target instanceof Object && 'writeHead' in target) {
				const res = target as ServerResponse;
				if (!res.headersSent) {
					res.writeHead(502, { 'content-type': 'application/json; charset=utf-8' });
					res.end(JSON.stringify({ error: { code: 'unavailable', message: 'the node serving this lesson cannot be reached; try again' } }));
				} else res.destroy();
			} else (target as Duplex | undefined)?.destroy();
		});
	}

	/** The node to forward to, or null to serve here. Never throws: a Redis hiccup serves here. */
	async target(req: IncomingMessage): Promise<NodeInfo | null> {
		if (this.fromPeer(req)) {
			const address = req.headers[CLIENT_ADDRESS_HEADER];
			if (typeof address === 'string' && isIP(address)) relayClientAddress(req, address);
			return null;
		}
		const url = requestTarget(req);
		if (url && isAnalyticsPath(url.pathname)) return this.#options.analyticsNode().catch(() => null);
		// Before the lesson rule: a teacher's lesson token also opens its recording, which lives where it was made.
		const recorded = url ? recordedLessonOfPath(url.pathname) : null;
		if (recorded) {
			return this.#options.recordingNode(recorded).catch((error: unknown) => {
				log.warn({ lessonId: recorded, err: (error as Error).message }, 'recording holder unknown (Redis?): serving here');
				return null;
			});
		}
		const lessonId = url ? lessonOfRequest(req, url, this.#options.lessonOfJoinCode) : null;
		if (!lessonId) return null;
		try {
			const origin = await this.#options.origins.resolve(lessonId);
			return origin.here ? null : origin.node;
		} catch (error) {
			log.warn({ lessonId, err: (error as Error).message }, 'lesson origin unknown (Redis?): serving here');
			return null;
		}
	}

	/** What a request this node sends another carries so that the other serves it itself. */
	get stampHeaders(): Record<string, string> {
		return { [FORWARDED_HEADER]: this.#stamp };
	}

	web(req: IncomingMessage, res: ServerResponse, node: NodeInfo): void {
		this.#proxy.web(req, res, { target: node.url, headers: this.#forwardHeaders(req) });
	}

	ws(req: IncomingMessage, socket: Duplex, head: Buffer, node: NodeInfo): void {
		this.#proxy.ws(req, socket, head, { target: node.url, headers: this.#forwardHeaders(req) });
	}

	/** The stamp, and the client's address as this node reads it (the other node's per-address limits count the phone, not this node). */
	#forwardHeaders(req: IncomingMessage): Record<string, string> {
		return { ...this.stampHeaders, [CLIENT_ADDRESS_HEADER]: clientAddress(req, this.#options.trustProxy) };
	}

	close(): void {
		this.#proxy.close();
	}

	#sign(nodeId: string): string {
		return createHmac('sha256', this.#options.secret).update(`forwarded-by:${nodeId}`).digest('base64url');
	}

	/** The request comes from another node of the deployment (its stamp is signed with the shared secret). */
	fromPeer(req: IncomingMessage): boolean {
		return this.forwardingNode(req) !== null;
	}

	/** The node whose valid stamp the request carries (the node that forwarded it); null: none, or not valid. */
	forwardingNode(req: IncomingMessage): string | null {
		const header = req.headers[FORWARDED_HEADER];
		if (typeof header !== 'string' || header.length > 200) return null;
		const cut = header.lastIndexOf('.');
		if (cut < 1) return null;
		const nodeId = header.slice(0, cut);
		const given = Buffer.from(header.slice(cut + 1));
		const expected = Buffer.from(this.#sign(nodeId));
		return given.length === expected.length && timingSafeEqual(given, expected) ? nodeId : null;
	}
}

/** Staff analytics and the data API read the store, which one node holds (the Redis-leased writer). */
function isAnalyticsPath(pathname: string): boolean {
	return [ANALYTICS_API, DATA_API].some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
}

const RECORDING_PATH = new RegExp(`^${RECORDINGS_API}/([A-Za-z0-9_-]{1,64})(?:/|$)`);
const PACKAGE_PATH = new RegExp(`^${PACKAGES_API}/([A-Za-z0-9_-]{1,64})\\.zip$`);

/** The recorded lesson a recording or package path names (its manifest, files, download, export, zip). */
function recordedLessonOfPath(pathname: string): string | null {
	return RECORDING_PATH.exec(pathname)?.[1] ?? PACKAGE_PATH.exec(pathname)?.[1] ?? null;
}
