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

	it("routes a phone's join by its code and its claim by the lesson it names", () => {
		const codes = (code: string) => (code === 'AB12CD' ? 'les_joined' : null);
		expect(lessonOfRequest(request({}), new URL('http://n/api/join?code=AB12CD'), codes)).toBe('les_joined');
		expect(lessonOfRequest(request({}), new URL('http://n/api/join?code=NOSUCH'), codes)).toBeNull();
		expect(lessonOfRequest(request({}), new URL('http://n/api/join'), codes)).toBeNull();
		expect(lessonOfRequest(request({}), new URL(`http://n/api/join?code=${'A'.repeat(33)}`), () => 'les_x')).toBeNull();
		expect(lessonOfRequest(request({}), new URL('http://n/api/join/claim?lesson=les_joined'), codes)).toBe('les_joined');
		expect(lessonOfRequest(request({}), new URL('http://n/api/join/claim/cancel?lesson=les_joined'), codes)).toBe('les_joined');
		expect(lessonOfRequest(request({}), new URL('http://n/api/join/claim?lesson=../x'), codes)).toBeNull();
	});

	it('never throws on what a peer can send, and names only valid ids', () => {
		fc.assert(
			fc.property(fc.string({ maxLength: 300 }), fc.oneof(fc.string({ maxLength: 300 }), fc.json().map((json) => `h.${Buffer.from(json).toString('base64url')}.s`)), fc.constantFrom('/socket.io/', '/board', '/api/session', '/api/join', '/api/join/claim'), (param, header, pathname) => {
				const url = new URL(`http://n${pathname}`);
				for (const name of ['cbl', 't', 'code', 'lesson']) url.searchParams.set(name, param);
				const found = lessonOfRequest(request({ authorization: `Bearer ${header}` }), url, (code) => code);
				return found === null || /^[A-Za-z0-9_-]+$/.test(found);
			}),
			{ numRuns: 2000 }
		);
	});
});
