import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		adapter: adapter({ out: 'build' }),
		// The browser app lives in web/ (see ARCHITECTURE.md); it may import the
		// wire protocol from protocol/ and nothing else of the server.
		files: { src: 'web', assets: 'web/static' },
		alias: { $protocol: 'protocol' },
		// Every page's Content-Security-Policy, sent as a header with the hash of SvelteKit's inline
		// bootstrap script (no 'unsafe-inline' for scripts). It admits what the app uses and no more:
		// pdfjs (its worker, its wasm image decoders: 'wasm-unsafe-eval'; cmaps and fonts from here),
		// tldraw (inline styles, data:/blob: images from its exports, its fonts and icons bundled
		// here; a small translation file the build inlines as a data: URL, which tldraw fetches: no
		// network, so connect-src data: lets nothing out), socket.io and the board WebSocket on this
		// host (web/hooks.server.ts adds ws:/wss: of the host for browsers where 'self' does not cover
		// them), replays from /api/recordings.
		csp: {
			mode: 'hash',
			directives: {
				'default-src': ['self'],
				'script-src': ['self', 'wasm-unsafe-eval'],
				'worker-src': ['self'],
				'style-src': ['self', 'unsafe-inline'],
				'img-src': ['self', 'data:', 'blob:'],
				'font-src': ['self', 'data:'],
				'connect-src': ['self', 'data:'],
				'media-src': ['self'],
				'object-src': ['none'],
				'frame-src': ['none'],
				'base-uri': ['self'],
				'form-action': ['self'],
				'frame-ancestors': ['none']
			}
		}
	}
};

export default config;
