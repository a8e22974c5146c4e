import type { ServerResponse } from 'node:http';

/**
 * Headers every response carries, pages and API alike: no framing, no MIME sniffing, no referrer
 * leaving the site. Set before any route runs, so a route can still override one on purpose.
 */
export function applySecurityHeaders(res: ServerResponse): void {
	res.setHeader('X-Content-Type-Options', 'nosniff');
	res.setHeader('X-Frame-Options', 'DENY');
	res.setHeader('Referrer-Policy', 'no-referrer');
}
