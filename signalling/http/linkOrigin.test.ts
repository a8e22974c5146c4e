import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { linkOrigin } from './staffCookie.ts';

const req = (headers: Record<string, string>, encrypted = false) => ({ headers, socket: { encrypted } }) as unknown as IncomingMessage;

describe('links carry the origin people use', () => {
	it('PUBLIC_URL wins', () => {
		expect(linkOrigin(req({ host: 'x:3000' }), { publicUrl: 'https://class.example.org', trustProxy: 0 })).toBe('https://class.example.org');
	});
	it('our own TLS gives https, plain gives http, with the Host', () => {
		expect(linkOrigin(req({ host: '10.0.0.5:3443' }, true), { publicUrl: undefined, trustProxy: 0 })).toBe('https://10.0.0.5:3443');
		expect(linkOrigin(req({ host: '10.0.0.5:3000' }), { publicUrl: undefined, trustProxy: 0 })).toBe('http://10.0.0.5:3000');
	});
	it('a trusted proxy’s X-Forwarded-Proto and -Host are believed, an untrusted one’s are not', () => {
		const headers = { host: '127.0.0.1:3000', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'class.example.org' };
		expect(linkOrigin(req(headers), { publicUrl: undefined, trustProxy: 1 })).toBe('https://class.example.org');
		expect(linkOrigin(req(headers), { publicUrl: undefined, trustProxy: 0 })).toBe('http://127.0.0.1:3000');
	});
	it('a Host that is not a plain host[:port] never goes into a link', () => {
		expect(linkOrigin(req({ host: 'evil.example/x?"<' }), { publicUrl: undefined, trustProxy: 0 })).toBe('http://localhost');
	});
});
