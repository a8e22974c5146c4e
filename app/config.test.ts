import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('config', () => {
	it('refuses a TURN URL without a secret, and a non-TURN URL', () => {
		expect(() => loadConfig({ TURN_URLS: 'turn:t.example.org:3478' })).toThrow(/TURN_SECRET/);
		expect(() => loadConfig({ TURN_URLS: 'http://t.example.org', TURN_SECRET: 'x'.repeat(20) })).toThrow(/TURN_URLS/);
	});
});

describe('config: HTTPS', () => {
	it('serves HTTPS on 3443 by default, on any free port with 0, and not at all with off', () => {
		expect(loadConfig({}).https).toEqual({ port: 3443, certFile: null, keyFile: null });
		expect(loadConfig({ HTTPS_PORT: '0' }).https?.port).toBe(0);
		expect(loadConfig({ HTTPS_PORT: 'off' }).https).toBeNull();
		expect(() => loadConfig({ HTTPS_PORT: 'on' })).toThrow(/HTTPS_PORT/);
	});

	it('takes TLS_CERT and TLS_KEY together only', () => {
		expect(loadConfig({ TLS_CERT: '/c.pem', TLS_KEY: '/k.pem' }).https).toEqual({ port: 3443, certFile: '/c.pem', keyFile: '/k.pem' });
		expect(() => loadConfig({ TLS_CERT: '/c.pem' })).toThrow(/TLS_CERT, TLS_KEY/);
	});

	it('announces a LAN address when listening on all, the listen address otherwise', () => {
		const announced = loadConfig({}).mediasoup.announcedAddress;
		expect(announced).not.toBe('0.0.0.0');
		expect(loadConfig({ RTC_LISTEN_IP: '127.0.0.1' }).mediasoup.announcedAddress).toBe('127.0.0.1');
		expect(loadConfig({ RTC_ANNOUNCED_ADDRESS: 'sfu.example.org' }).mediasoup.announcedAddress).toBe('sfu.example.org');
	});
});
