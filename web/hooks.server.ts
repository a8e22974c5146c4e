import type { Handle } from '@sveltejs/kit';

/** A host name, IPv4 or bracketed IPv6 address, with an optional port: nothing that could end a directive. */
const PLAIN_HOST = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * Completes SvelteKit's page policy (svelte.config.js `kit.csp`) with this host's WebSocket origins:
 * CSP Level 3 lets connect-src 'self' cover ws:/wss: of the same host, but Safari before 16 (still on
 * school tablets) does not, and the board and socket.io need them.
 *
 * A page also loses its ETag: SvelteKit answers a matching If-None-Match with a bare 304 that has no
 * policy, the server's strict default (meant for API answers) goes out on it instead, and the browser
 * would then run the cached page under that and load none of its scripts. The page shells are small.
 */
export const handle: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	const policy = response.headers.get('content-security-policy');
	const host = event.url.host;
	if (policy && PLAIN_HOST.test(host)) {
		response.headers.set('content-security-policy', policy.replace(/(^|;\s*)connect-src ([^;]*)/, `$1connect-src $2 ws://${host} wss://${host}`));
	}
	if (policy) response.headers.delete('etag');
	return response;
};
