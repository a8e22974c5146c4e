import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	plugins: [sveltekit()],
	test: {
		include: ['{protocol,core,sfu,signalling,recorder,analytics,app,web}/**/*.test.ts'],
		environment: 'node',
		setupFiles: ['core/testing/vitestSetup.ts'],
		testTimeout: 30_000,
		hookTimeout: 60_000,
		// Real mediasoup workers and redis-servers: keep the 2-core machine from thrashing.
		fileParallelism: false,
		pool: 'forks'
	}
});
