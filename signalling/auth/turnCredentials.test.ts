import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLesson, startTestApp, TestClient, type TestApp } from '../../app/testing/harness.ts';
import { turnIceServers } from './turnCredentials.ts';

describe('TURN credentials (coturn use-auth-secret)', () => {
	it('none without TURN configured', () => {
		expect(turnIceServers(null, 'room-1')).toEqual([]);
	});

	it('username carries the expiry and the identity; password is HMAC-SHA1 of it', () => {
		const [server] = turnIceServers({ urls: ['turns:turn.example.org:443?transport=tcp'], secret: 'a-long-shared-secret', ttlSeconds: 3600 }, 'room-1', 1_000_000_000);
		expect(server?.urls).toEqual(['turns:turn.example.org:443?transport=tcp']);
		expect(server?.username).toBe(`${1_000_000 + 3600}:room-1`);
		expect(server?.credential).toBe(createHmac('sha1', 'a-long-shared-secret').update(server?.username ?? '').digest('base64'));
	});
});

describe('join result with TURN configured', () => {
	let t: TestApp;
	beforeAll(async () => {
		t = await startTestApp({ TURN_URLS: 'turn:turn.example.org:3478, turns:turn.example.org:443?transport=tcp', TURN_SECRET: 'shared-secret-for-tests' });
	});
	afterAll(() => t.stop());

	it('gives each participant its own short-lived TURN credentials', async () => {
		const lesson = await createLesson(t, 1);
		const room = new TestClient(t.url, lesson.token('classroom', 0));
		const join = await room.joinLesson();
		const [server] = join.iceServers;
		expect(server?.urls).toEqual(['turn:turn.example.org:3478', 'turns:turn.example.org:443?transport=tcp']);
		expect(server?.username).toMatch(new RegExp(`^\\d+:${join.self.id}$`));
		const expiry = Number(server?.username?.split(':')[0]);
		expect(expiry * 1000).toBeGreaterThan(Date.now() + 5 * 3600_000);
		room.close();
	});
});
