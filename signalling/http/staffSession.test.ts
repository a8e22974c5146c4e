import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYTICS_API, LIBRARY_API } from '../../protocol/index.ts';
import { createLesson, startTestApp, type TestApp } from '../../app/testing/harness.ts';
import { STAFF_SESSION_API } from './StaffSessionHttp.ts';

const adminTokenOf = (t: TestApp) => new URL(t.app.adminUrl).searchParams.get('token') ?? '';

/** The `name=value` part of a Set-Cookie header, as a browser would send it back. */
const cookiePair = (setCookie: string) => setCookie.split(';')[0] ?? '';

/** Where the server listens (t.url is PUBLIC_URL when that is set). */
const local = (t: TestApp) => `http://127.0.0.1:${(t.app.httpServer.address() as AddressInfo).port}`;

async function signIn(t: TestApp, token: string, headers: Record<string, string> = {}): Promise<Response> {
	return fetch(`${local(t)}${STAFF_SESSION_API}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', origin: new URL(local(t)).origin, ...headers },
		body: JSON.stringify({ token })
	});
}

describe('staff session cookie: the admin link is traded for an HttpOnly session', () => {
	let t: TestApp;
	let cookie: string;
	let setCookie: string;
	const origin = () => new URL(t.url).origin;
	const withCookie = (route: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
		fetch(`${t.url}${route}`, { ...init, headers: { cookie, ...(init.headers ?? {}) } });

	beforeAll(async () => {
		t = await startTestApp();
		const res = await signIn(t, adminTokenOf(t));
		expect(res.status).toBe(200);
		setCookie = res.headers.get('set-cookie') ?? '';
		cookie = cookiePair(setCookie);
	});
	afterAll(() => t.stop());

	it('sets an HttpOnly, SameSite=Strict, Path=/ cookie of about 12 hours, not Secure over plain http; the body holds no secret', async () => {
		const res = await signIn(t, adminTokenOf(t));
		const header = res.headers.get('set-cookie') ?? '';
		expect(header).toMatch(/^cb_staff=[^;]+;/);
		const attributes = header.split(';').map((a) => a.trim().toLowerCase());
		expect(attributes).toContain('httponly');
		expect(attributes).toContain('samesite=strict');
		expect(attributes).toContain('path=/');
		expect(attributes).not.toContain('secure');
		const maxAge = Number(attributes.find((a) => a.startsWith('max-age='))?.slice(8));
		expect(maxAge).toBeGreaterThan(11 * 3600);
		expect(maxAge).toBeLessThanOrEqual(12 * 3600);
		const body = await res.json();
		expect(body).toMatchObject({ signedIn: true });
		expect(JSON.stringify(body)).not.toContain(cookiePair(header).split('=')[1]);
	});

	it('GET says whether the browser is signed in', async () => {
		expect(await (await withCookie(STAFF_SESSION_API)).json()).toMatchObject({ signedIn: true });
		expect(await (await fetch(`${t.url}${STAFF_SESSION_API}`)).json()).toEqual({ signedIn: false });
		const garbled = await fetch(`${t.url}${STAFF_SESSION_API}`, { headers: { cookie: 'cb_staff=garbage' } });
		expect(await garbled.json()).toEqual({ signedIn: false });
		expect(garbled.headers.get('set-cookie')).toMatch(/^cb_staff=; .*Max-Age=0/);
	});

	it('opens every staff route: catalog, lessons, library, analytics', async () => {
		expect((await withCookie('/api/catalog')).status).toBe(200);
		expect((await withCookie('/api/lessons')).status).toBe(200);
		expect((await withCookie(LIBRARY_API)).status).toBe(200);
		expect((await withCookie(`${ANALYTICS_API}/lessons`)).status).toBe(200);
		expect((await fetch(`${t.url}/api/catalog`)).status).toBe(401);
	});

	it('a cookie-authenticated change needs this site as its Origin', async () => {
		const post = (headers: Record<string, string>) =>
			withCookie('/api/schools', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ name: 'Hill school', locale: 'rural' }) });
		expect((await post({})).status).toBe(403);
		expect((await post({ origin: 'https://evil.example' })).status).toBe(403);
		expect((await post({ origin: 'null' })).status).toBe(403);
		expect((await post({ origin: origin() })).status).toBe(201);
		const purge = await withCookie(`${ANALYTICS_API}/purge`, { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json' }, body: JSON.stringify({ olderThanDays: 3650, confirm: true }) });
		expect(purge.status).toBe(403);
		const remove = await withCookie('/api/recordings/les_nothing', { method: 'DELETE', headers: { origin: 'https://evil.example' } });
		expect(remove.status).toBe(403);
	});

	it('scripts keep using Authorization: Bearer <admin token>, with no Origin', async () => {
		const lesson = await createLesson(t, 1);
		expect(lesson.lesson.id).toMatch(/^les_/);
	});

	it('refuses a wrong token at sign-in (401, no cookie) and a sign-in from another site (403)', async () => {
		const bad = await signIn(t, 'not-a-token');
		expect(bad.status).toBe(401);
		expect(bad.headers.get('set-cookie')).toBeNull();
		const lesson = await createLesson(t, 1);
		expect((await signIn(t, lesson.token('teacher'))).status).toBe(401);
		expect((await signIn(t, adminTokenOf(t), { origin: 'https://evil.example' })).status).toBe(403);
		expect((await signIn(t, '')).status).toBe(400);
	});

	it('keeps the two credentials apart: the session value is no Bearer token and the admin token is no cookie', async () => {
		const value = cookie.split('=')[1] ?? '';
		expect((await fetch(`${t.url}/api/catalog`, { headers: { authorization: `Bearer ${value}` } })).status).toBe(401);
		expect((await fetch(`${t.url}/api/catalog`, { headers: { cookie: `cb_staff=${adminTokenOf(t)}` } })).status).toBe(401);
	});

	it('refuses an expired session', async () => {
		const expired = await t.app.tokens.signStaffSession({ sessionId: 'abcdefghijklmnopqrstuvwx', generation: '0'.repeat(32), expiresAt: Date.now() - 1000 });
		expect((await fetch(`${t.url}/api/catalog`, { headers: { cookie: `cb_staff=${expired}` } })).status).toBe(401);
	});

	it('DELETE signs out for good: the same cookie value is refused afterwards', async () => {
		const mine = cookiePair((await signIn(t, adminTokenOf(t))).headers.get('set-cookie') ?? '');
		expect((await fetch(`${t.url}/api/catalog`, { headers: { cookie: mine } })).status).toBe(200);
		const crossSite = await fetch(`${t.url}${STAFF_SESSION_API}`, { method: 'DELETE', headers: { cookie: mine, origin: 'https://evil.example' } });
		expect(crossSite.status).toBe(403);
		const out = await fetch(`${t.url}${STAFF_SESSION_API}`, { method: 'DELETE', headers: { cookie: mine, origin: origin() } });
		expect(out.status).toBe(200);
		expect(out.headers.get('set-cookie')).toMatch(/^cb_staff=; .*Max-Age=0/);
		expect((await fetch(`${t.url}/api/catalog`, { headers: { cookie: mine } })).status).toBe(401);
		expect(await (await fetch(`${t.url}${STAFF_SESSION_API}`, { headers: { cookie: mine } })).json()).toEqual({ signedIn: false });
		// Other sessions stay signed in.
		expect((await withCookie('/api/catalog')).status).toBe(200);
	});
});

describe('staff session cookie over HTTPS', () => {
	it('is Secure and __Host- prefixed when PUBLIC_URL is https', async () => {
		const t = await startTestApp({ PUBLIC_URL: 'https://class.example.org' });
		try {
			const res = await signIn(t, adminTokenOf(t), { origin: 'https://class.example.org' });
			const header = res.headers.get('set-cookie') ?? '';
			expect(header).toMatch(/^__Host-cb_staff=[^;]+;/);
			expect(header.split(';').map((a) => a.trim())).toContain('Secure');
			const cookie = cookiePair(header);
			expect((await fetch(`${local(t)}/api/catalog`, { headers: { cookie } })).status).toBe(200);
			const change = (origin: string) =>
				fetch(`${local(t)}/api/schools`, { method: 'POST', headers: { cookie, origin, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ridge', locale: 'rural' }) });
			expect((await change('https://class.example.org')).status).toBe(201);
			expect((await change('https://evil.example')).status).toBe(403);
		} finally {
			await t.stop();
		}
	});

	it('is Secure behind a trusted proxy that says https, and only then', async () => {
		const t = await startTestApp({ TRUST_PROXY: '1' });
		try {
			const viaProxy = await signIn(t, adminTokenOf(t), { 'x-forwarded-proto': 'https' });
			expect(viaProxy.headers.get('set-cookie')).toMatch(/^__Host-cb_staff=.*; Secure$/);
			const plain = await signIn(t, adminTokenOf(t));
			expect(plain.headers.get('set-cookie')).not.toMatch(/Secure/);
		} finally {
			await t.stop();
		}
		const untrusted = await startTestApp();
		try {
			const res = await signIn(untrusted, adminTokenOf(untrusted), { 'x-forwarded-proto': 'https' });
			expect(res.headers.get('set-cookie')).not.toMatch(/Secure/);
		} finally {
			await untrusted.stop();
		}
	});
});
