import { defineConfig } from '@playwright/test';

/** End-to-end: the real server (started by global-setup) and Debian's Chromium; never a downloaded browser. */
export default defineConfig({
	testDir: 'e2e',
	testMatch: '**/*.e2e.ts',
	globalSetup: './e2e/global-setup.ts',
	outputDir: 'test-results/e2e-artifacts',
	timeout: 180_000,
	expect: { timeout: 15_000 },
	workers: 1,
	fullyParallel: false,
	retries: 0,
	reporter: [['list']],
	use: { trace: { mode: 'retain-on-failure', screenshots: false, snapshots: true } }
});
