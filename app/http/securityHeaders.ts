import type { ServerResponse } from 'node:http';

/**
 * The policy of every response that is not a page: API JSON, decks, recordings, exports, /healthz,
 * errors. Nothing in them may load or run anything, and no site may frame them.
 */
export const API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * The web app's own scripts. A dedicated worker runs under the policy of its script's response, not
 * the page's, and pdfjs's worker fetches cmaps, fonts and its wasm image decoders and compiles them.
 */
export const WORKER_SCRIPT_POLICY = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const APP_SCRIPT = /^\/_app\/immutable\/.+\.m?js$/;

/**
 * Headers every response carries, pages and API alike: a Content-Security-Policy, no framing, no
 * MIME sniffing, no referrer leaving the site. `same-origin` rather than `no-referrer`: under
 * `no-referrer` a browser sends `Origin: null` even on a same-origin POST, and the staff routes
 * check Origin. Set before any route runs; pages get SvelteKit's own
 * policy (svelte.config.js `kit.csp`, with the hash of its inline bootstrap script) in place of this one.
 */
export function applySecurityHeaders(res: ServerResponse, pathname = ''): void {
	res.setHeader('Content-Security-Policy', APP_SCRIPT.test(pathname) ? WORKER_SCRIPT_POLICY : API_POLICY);
	res.setHeader('X-Content-Type-Options', 'nosniff');
	res.setHeader('X-Frame-Options', 'DENY');
	res.setHeader('Referrer-Policy', 'same-origin');
}
