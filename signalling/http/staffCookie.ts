import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/**
 * The staff session cookie. Over HTTPS it is `__Host-` prefixed, so the browser accepts it only
 * Secure, for this exact host and Path=/ (no sibling subdomain can set or shadow it).
 */
export const STAFF_COOKIE = 'cb_staff';
export const SECURE_STAFF_COOKIE = '__Host-cb_staff';

export interface RequestOrigin {
	/** PUBLIC_URL, when set: the origin people open. */
	publicUrl: string | undefined;
	/** Reverse proxies in front of the server (TRUST_PROXY): their X-Forwarded-Proto is believed. */
	trustProxy: number;
}

/** The request reached us over HTTPS: PUBLIC_URL is https, our own TLS, or a trusted proxy says so. */
export function requestIsSecure(req: IncomingMessage, origin: RequestOrigin): boolean {
	if (origin.publicUrl?.startsWith('https:')) return true;
	if ((req.socket as TLSSocket).encrypted) return true;
	if (origin.trustProxy <= 0) return false;
	const header = req.headers['x-forwarded-proto'];
	const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
	return (hops[hops.length - origin.trustProxy] ?? hops[0]) === 'https';
}

/**
 * The origin to put in links: PUBLIC_URL, else the scheme the request came in on (our TLS, or a
 * trusted proxy's X-Forwarded-Proto) and its Host (a trusted proxy's X-Forwarded-Host first).
 */
export function linkOrigin(req: IncomingMessage, origin: RequestOrigin): string {
	if (origin.publicUrl) return origin.publicUrl;
	const forwarded = origin.trustProxy > 0 ? String(req.headers['x-forwarded-host'] ?? '').split(',')[0]!.trim() : '';
	const host = forwarded || req.headers.host || 'localhost';
	// A Host header is the sender's to write: only a plain host[:port] goes into a link.
	const safeHost = /^[a-z0-9.\-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/i.test(host) ? host : 'localhost';
	return `${requestIsSecure(req, origin) ? 'https' : 'http'}://${safeHost}`;
}

/** The session cookie's value, if the request carries one (the `__Host-` one first). */
export function staffCookie(req: IncomingMessage): string | undefined {
	const header = req.headers.cookie;
	if (!header) return undefined;
	const found = new Map<string, string>();
	for (const part of header.split(';')) {
		const eq = part.indexOf('=');
		if (eq < 0) continue;
		const name = part.slice(0, eq).trim();
		if ((name === SECURE_STAFF_COOKIE || name === STAFF_COOKIE) && !found.has(name)) found.set(name, part.slice(eq + 1).trim());
	}
	return found.get(SECURE_STAFF_COOKIE) ?? found.get(STAFF_COOKIE);
}

/** Set-Cookie for a new session: HttpOnly (no page script reads it), SameSite=Strict, Path=/. */
export function sessionSetCookie(value: string, maxAgeMs: number, secure: boolean): string {
	const name = secure ? SECURE_STAFF_COOKIE : STAFF_COOKIE;
	const maxAge = Math.max(0, Math.floor(maxAgeMs / 1000));
	return `${name}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** Set-Cookie headers that remove the session cookie under either name. */
export function clearSessionCookies(secure: boolean): string[] {
	const cleared = [`${STAFF_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`];
	if (secure) cleared.push(`${SECURE_STAFF_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure`);
	return cleared;
}

/**
 * The request was sent by a page of this site: its Origin is PUBLIC_URL's, or names the host the
 * request was sent to. Browsers send Origin with every POST, PUT, PATCH and DELETE, so a missing one
 * is refused too. Guards cookie-authenticated changes on top of SameSite=Strict.
 */
export function sameOrigin(req: IncomingMessage, origin: RequestOrigin): boolean {
	const sent = req.headers.origin;
	if (!sent || sent === 'null') return false;
	let url: URL;
	try {
		url = new URL(sent);
	} catch {
		return false;
	}
	if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
	if (origin.publicUrl && url.origin === new URL(origin.publicUrl).origin) return true;
	const host = req.headers.host;
	return !!host && url.host === host.toLowerCase();
}

export function changesState(method: string | undefined): boolean {
	return method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';
}
