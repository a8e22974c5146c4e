import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		adapter: adapter({ out: 'build' }),
		// The browser app lives in web/ (see ARCHITECTURE.md); it may import the
		// wire protocol from signalling/protocol and nothing else of the server.
		files: { src: 'web', assets: 'web/static' },
		alias: { $protocol: 'signalling/protocol' }
	}
};

export default config;
