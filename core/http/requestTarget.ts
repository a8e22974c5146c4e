import type { IncomingMessage } from 'node:http';

/**
 * The request target as a URL, or null when it is not one we serve: only origin-form targets
 * (`/path?query`) are; `//host…`, absolute-form and anything `new URL` refuses are malformed. Every
 * route may then build its own URL from `req.url` without a try.
 */
export function requestTarget(req: IncomingMessage): URL | null {
	const raw = req.url ?? '';
	if (!raw.startsWith('/') || raw.startsWith('//')) return null;
	try {
		return new URL(raw, 'http://localhost');
	} catch {
		return null;
	}
}
