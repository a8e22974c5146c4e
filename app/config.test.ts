import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('config', () => {
	it('refuses a TURN URL without a secret, and a non-TURN URL', () => {
		expect(() => loadConfig({ TURN_URLS: 'turn:t.example.org:3478' })).toThrow(/TURN_SECRET/);
		expect(() => loadConfig({ TURN_URLS: 'http://t.example.org', TURN_SECRET: 'x'.repeat(20) })).toThrow(/TURN_URLS/);
	});
});
