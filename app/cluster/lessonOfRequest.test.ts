import type { IncomingMessage } from 'node:http';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { lessonOfRequest } from './lessonOfRequest.ts';

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('lessonOfRequest (routing a request to its lesson node)', () => {
	it('reads the socket.io lesson parameter and a lesson token, Bearer or ?t=', async () => {
		const token = await new SignJWT({ kind: 'lesson', lid: 'les_abc123', role: 'teacher' }).setProtectedHeader({ alg: 'HS256' }).sign(new Uint8Array(32));
		const staff = await new SignJWT({ kind: 'admin', sub: 'x' }).setProtectedHeader({ alg: 'HS256' }).sign(new Uint8Array(32));
		expect(lessonOfRequest(request({}), new URL('http://n/socket.io/?EIO=4&transport=websocket&cbl=les_abc123'))).toBe('les_abc123');
		expect(lessonOfRequest(request({ authorization: `Bearer ${token}` }), new URL('http://n/api/live/decks'))).toBe('les_abc123');
		expect(lessonOfRequest(request({}), new URL(`http://n/board?t=${token}`))).toBe('les_abc123');
		// Not a lesson's: served where it lands.
		expect(lessonOfRequest(request({ authorization: `Bearer ${staff}` }), new URL('http://n/api/lessons'))).toBeNull();
		expect(lessonOfRequest(request({}), new URL('http://n/socket.io/?cbl=../../etc'))).toBeNull();
		expect(lessonOfRequest(request({}), new URL('http://n/healthz'))).toBeNull();
	});

	it('never throws on what a peer can send, and names only valid ids', () => {
		fc.assert(
			fc.property(fc.string({ maxLength: 300 }), fc.oneof(fc.string({ maxLength: 300 }), fc.json().map((json) => `h.${Buffer.from(json).toString('base64url')}.s`)), fc.constantFrom('/socket.io/', '/board', '/api/session'), (param, header, pathname) => {
				const url = new URL(`http://n${pathname}`);
				url.searchParams.set('cbl', param);
				url.searchParams.set('t', param);
				const found = lessonOfRequest(request({ authorization: `Bearer ${header}` }), url);
				return found === null || /^[A-Za-z0-9_-]+$/.test(found);
			}),
			{ numRuns: 2000 }
		);
	});
});
