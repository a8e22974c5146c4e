import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDeck } from '../../signalling/testing/pdfFixtures.ts';
import { DECKS_API, LIBRARY_API, RECORDINGS_API } from '../../protocol/index.ts';
import { createLesson, startTestApp, type TestApp, type TestLesson } from '../testing/harness.ts';
import { API_POLICY, WORKER_SCRIPT_POLICY, applySecurityHeaders } from './securityHeaders.ts';
import { STAFF_SESSION_API } from '../../signalling/http/StaffSessionHttp.ts';

type Headers = Record<string, string | string[] | undefined>;

/** A raw request, so targets fetch() would refuse or normalise (`//x`, `/%zz`) go out as written. */
function raw(t: TestApp, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer): Promise<{ status: number; headers: Headers }> {
	const { hostname, port } = new URL(t.url);
	return new Promise((resolve, reject) => {
		const req = request({ hostname, port, path, method, headers }, (res) => {
			res.resume();
			res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
		});
		req.on('error', reject);
		req.end(body);
	});
}

function expectHardened(headers: Headers, what: string): void {
	expect(headers['content-security-policy'], what).toBe(API_POLICY);
	expect(headers['x-frame-options'], what).toBe('DENY');
	expect(headers['x-content-type-options'], what).toBe('nosniff');
	expect(headers['referrer-policy'], what).toBe('same-origin');
}

describe('security headers on every kind of response', () => {
	let t: TestApp;
	let lesson: TestLesson;
	let deckId: string;
	const admin = () => ({ authorization: `Bearer ${new URL(t.app.adminUrl).searchParams.get('token')}` });

	beforeAll(async () => {
		t = await startTestApp();
		lesson = await createLesson(t, 1);
		deckId = await uploadDeck(t, lesson);
	});
	afterAll(() => t.stop());

	it('API JSON (200, 401, 404, 405), /healthz, /metrics, staff session, library and recording routes', async () => {
		const cases: [string, string, Record<string, string>][] = [
			['GET', '/api/catalog', admin()],
			['GET', '/api/catalog', {}],
			['GET', '/api/nope', admin()],
			['GET', STAFF_SESSION_API, {}],
			['PUT', STAFF_SESSION_API, {}],
			['GET', LIBRARY_API, admin()],
			['GET', `${RECORDINGS_API}/les_none/files/media/program.webm?m=x`, {}],
			['GET', `/api/analytics/lessons`, admin()],
			['GET', '/healthz', {}],
			['GET', '/metrics', {}]
		];
		for (const [method, path, headers] of cases) expectHardened((await raw(t, method, path, headers)).headers, `${method} ${path}`);
	});

	it('a deck file and its thumbnail', async () => {
		const teacher = { authorization: `Bearer ${lesson.token('teacher')}` };
		const file = await raw(t, 'GET', `${DECKS_API}/${deckId}/file`, teacher);
		expect(file.status).toBe(200);
		expect(file.headers['content-type']).toBe('application/pdf');
		expectHardened(file.headers, 'deck file');
		const thumb = await raw(t, 'GET', `${DECKS_API}/${deckId}/thumbs/1?t=${lesson.token('teacher')}`);
		expectHardened(thumb.headers, 'thumbnail');
		expectHardened((await raw(t, 'GET', '/pdfjs/cmaps/UniGB-UCS2-H.bcmap')).headers, 'pdfjs cmap');
	});

	it('404 outside the API, 400 for a malformed target or escape, errors included', async () => {
		const missing = await raw(t, 'GET', '/no-such-page');
		expect(missing.status).toBe(404);
		expectHardened(missing.headers, '404');
		const malformed = await raw(t, 'GET', '//evil.example/x');
		expect(malformed.status).toBe(400);
		expectHardened(malformed.headers, '400 target');
		const escape = await raw(t, 'GET', `/api/lessons/%zz`, admin());
		expect(escape.status).toBe(400);
		expectHardened(escape.headers, '400 escape');
		const badJson = await raw(t, 'POST', '/api/schools', { ...admin(), 'content-type': 'application/json' }, Buffer.from('{'));
		expect(badJson.status).toBe(400);
		expectHardened(badJson.headers, '400 body');
	});

	it('the web app\'s scripts get the worker policy (pdfjs\'s worker runs under it); everything else the strict one', () => {
		const policyFor = (path: string) => {
			const set = new Map<string, string>();
			applySecurityHeaders({ setHeader: (name: string, value: string) => set.set(name.toLowerCase(), value) } as never, path);
			return set.get('content-security-policy');
		};
		expect(policyFor('/_app/immutable/assets/pdf.worker.min-abc.mjs')).toBe(WORKER_SCRIPT_POLICY);
		expect(policyFor('/_app/immutable/chunks/x.js')).toBe(WORKER_SCRIPT_POLICY);
		expect(policyFor('/_app/immutable/assets/icon.svg')).toBe(API_POLICY);
		expect(policyFor('/api/x.js')).toBe(API_POLICY);
		expect(WORKER_SCRIPT_POLICY).toContain("'wasm-unsafe-eval'");
		expect(WORKER_SCRIPT_POLICY).toContain("frame-ancestors 'none'");
	});
});

async function uploadDeck(t: TestApp, lesson: TestLesson): Promise<string> {
	const res = await fetch(`${t.url}${DECKS_API}?name=deck.pdf`, {
		method: 'POST',
		headers: { authorization: `Bearer ${lesson.token('teacher')}`, 'content-type': 'application/pdf' },
		body: new Uint8Array(await makeDeck(['One']))
	});
	expect(res.status).toBe(201);
	return ((await res.json()) as { id: string }).id;
}
