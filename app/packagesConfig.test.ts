import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('package and sync settings', () => {
	it('reads the sync settings, and refuses SYNC_FROM without a token or a bad window', () => {
		const config = loadConfig({ SYNC_FROM: 'https://district.example.org/', SYNC_TOKEN: 'cbs_abcdefgh', SYNC_MAX_KBPS: '1500', SYNC_HOURS: '22-06', TRUSTED_PACKAGE_KEYS: 'a, b ,' });
		expect(config.sync).toMatchObject({ from: 'https://district.example.org', token: 'cbs_abcdefgh', maxKbps: 1500, window: { startMin: 1320, endMin: 360 }, intervalMs: 300_000 });
		expect(config.packages.trustedKeys).toEqual(['a', 'b']);
		expect(loadConfig({}).sync).toBeNull();
		expect(() => loadConfig({ SYNC_FROM: 'https://district.example.org' })).toThrow(/SYNC_TOKEN/);
		expect(() => loadConfig({ SYNC_FROM: 'https://d.example.org', SYNC_TOKEN: 'cbs_abcdefgh', SYNC_HOURS: 'nightly' })).toThrow(/SYNC_HOURS/);
	});
});
