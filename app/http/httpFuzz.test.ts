import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../signalling/auth/TokenService.ts';
import {
	ANALYTICS_API,
	CreateClassroomSchema,
	CreateLessonSchema,
	CLASS_REPLAYS_API,
	ROOM_REPLAYS_API,
	RoomLinkRequestSchema,
	StartRoomReplaySchema,
	CreateClassReplaySchema,
	ClaimPollSchema,
	ClaimRefSchema,
	CreateSchoolSchema,
	DATA_API,
	DECKS_API,
	JOIN_API,
	JOIN_CLAIM_API,
	JOIN_CLAIM_CANCEL_API,
	JoinRequestSchema,
	LIBRARY_API,
	PACKAGES_API,
	RECORDINGS_API,
	CreateSyncTokenSchema,
	SETUP_STATUS_API,
	type LessonLinks,
	type LessonRecord
} from '../../protocol/index.ts';
import { STAFF_SESSION_API } from '../../signalling/http/StaffSessionHttp.ts';
import { rawRequest } from '../../core/testing/rawHttp.ts';
import { startServerProcess, type ServerProcess } from '../testing/serverProcess.ts';
import { malformedOf } from '../../core/testing/zodArbitrary.ts';

type Auth = 'none' | 'admin' | 'lesson' | 'media' | 'api' | 'metrics' | 'room';
interface Route {
	method: string;
	/** `{lesson}`, `{code}`, `{deck}` are filled in with real ones. */
	path: string;
	auth: Auth;
	/** The body schema of a route that takes JSON. */
	body?: Parameters<typeof malformedOf>[0];
}

/** Every HTTP route the server answers; a new route belongs here, so that it is fuzzed too. */
const ROUTES: Route[] = [
	{ method: 'GET', path: '/healthz', auth: 'none' },
	{ method: 'GET', path: '/metrics', auth: 'metrics' },
	{ method: 'GET', path: '/api/openapi.json', auth: 'none' },
	{ method: 'GET', path: '/api/session?t={token}', auth: 'lesson' },
	{ method: 'GET', path: `${JOIN_API}/{code}`, auth: 'none' },
	{ method: 'POST', path: JOIN_API, auth: 'none', body: JoinRequestSchema },
	{ method: 'POST', path: JOIN_CLAIM_API, auth: 'none', body: ClaimPollSchema },
	{ method: 'POST', path: JOIN_CLAIM_CANCEL_API, auth: 'none', body: ClaimRefSchema },
	{ method: 'GET', path: STAFF_SESSION_API, auth: 'none' },
	{ method: 'POST', path: STAFF_SESSION_API, auth: 'none' },
	{ method: 'DELETE', path: STAFF_SESSION_API, auth: 'none' },
	{ method: 'GET', path: '/api/catalog', auth: 'admin' },
	{ method: 'POST', path: '/api/schools', auth: 'admin', body: CreateSchoolSchema },
	{ method: 'POST', path: '/api/classrooms', auth: 'admin', body: CreateClassroomSchema },
	{ method: 'GET', path: '/api/lessons', auth: 'admin' },
	{ method: 'GET', path: SETUP_STATUS_API, auth: 'admin' },
	{ method: 'POST', path: '/api/lessons', auth: 'admin', body: CreateLessonSchema },
	{ method: 'GET', path: '/api/lessons/{lesson}', auth: 'admin' },
	{ method: 'POST', path: '/api/classrooms/{classroom}/room-link', auth: 'admin', body: RoomLinkRequestSchema },
	// A classroom's room page token (the assistant's tablet between lessons).
	{ method: 'GET', path: ROOM_REPLAYS_API, auth: 'room' },
	{ method: 'POST', path: ROOM_REPLAYS_API, auth: 'room', body: StartRoomReplaySchema },
	{ method: 'POST', path: CLASS_REPLAYS_API, auth: 'admin', body: CreateClassReplaySchema },
	// The room screen's and assistant's token of a replayed session; the fuzz lesson is live (409).
	{ method: 'GET', path: `${CLASS_REPLAYS_API}/{lesson}/surface`, auth: 'lesson' },
	{ method: 'GET', path: DECKS_API, auth: 'lesson' },
	{ method: 'POST', path: `${DECKS_API}?name=deck.pdf`, auth: 'lesson' },
	{ method: 'GET', path: `${DECKS_API}/{deck}/file`, auth: 'lesson' },
	{ method: 'GET', path: `${DECKS_API}/{deck}/thumbs/1`, auth: 'lesson' },
	{ method: 'GET', path: '/pdfjs/cmaps/Adobe-GB1-UCS2.bcmap', auth: 'none' },
	{ method: 'GET', path: LIBRARY_API, auth: 'admin' },
	{ method: 'GET', path: `${RECORDINGS_API}/{lesson}`, auth: 'admin' },
	{ method: 'GET', path: `${RECORDINGS_API}/{lesson}/timeline`, auth: 'admin' },
	{ method: 'GET', path: `${RECORDINGS_API}/{lesson}/boards`, auth: 'admin' },
	{ method: 'GET', path: `${RECORDINGS_API}/{lesson}/download`, auth: 'media' },
	{ method: 'GET', path: `${RECORDINGS_API}/{lesson}/files/media/program.webm`, auth: 'media' },
	{ method: 'GET', path: `${RECORDINGS_API}/{lesson}/files/decks/dck_missing.pdf`, auth: 'media' },
	{ method: 'DELETE', path: `${RECORDINGS_API}/{lesson}`, auth: 'admin' },
	{ method: 'GET', path: `${RECORDINGS_API}/{lesson}/export`, auth: 'admin' },
	{ method: 'GET', path: `${RECORDINGS_API}/{lesson}/export?names=true&confirm=export-with-names`, auth: 'admin' },
	{ method: 'POST', path: `${PACKAGES_API}/import`, auth: 'admin' },
	{ method: 'GET', path: PACKAGES_API, auth: 'admin' },
	{ method: 'GET', path: `${PACKAGES_API}/{lesson}.zip`, auth: 'admin' },
	{ method: 'GET', path: `${PACKAGES_API}/holdings`, auth: 'admin' },
	// A school's sync token, not staff's: its body is checked after the token (packages.test.ts, sync.test.ts).
	{ method: 'POST', path: `${PACKAGES_API}/holdings`, auth: 'none' },
	{ method: 'POST', path: `${PACKAGES_API}/sync-tokens`, auth: 'admin', body: CreateSyncTokenSchema },
	{ method: 'GET', path: `${PACKAGES_API}/sync`, auth: 'admin' },
	{ method: 'GET', path: `${PACKAGES_API}/key`, auth: 'admin' },
	{ method: 'GET', path: `${ANALYTICS_API}/lessons`, auth: 'admin' },
	{ method: 'GET', path: `${ANALYTICS_API}/lessons/{lesson}`, auth: 'admin' },
	{ method: 'GET', path: `${ANALYTICS_API}/trends?scope=classroom`, auth: 'admin' },
	{ method: 'GET', path: `${ANALYTICS_API}/compare`, auth: 'admin' },
	{ method: 'GET', path: `${ANALYTICS_API}/warnings`, auth: 'admin' },
	{ method: 'GET', path: `${ANALYTICS_API}/audit`, auth: 'admin' },
	{ method: 'GET', path: `${ANALYTICS_API}/export?format=csv&table=events`, auth: 'admin' },
	{ method: 'GET', path: `${ANALYTICS_API}/tokens`, auth: 'admin' },
	{ method: 'POST', path: `${ANALYTICS_API}/tokens`, auth: 'admin' },
	{ method: 'DELETE', path: `${ANALYTICS_API}/tokens/tok_missing`, auth: 'admin' },
	{ method: 'POST', path: `${ANALYTICS_API}/purge`, auth: 'admin' },
	{ method: 'GET', path: `${DATA_API}/lessons`, auth: 'api' },
	{ method: 'GET', path: `${DATA_API}/classrooms`, auth: 'api' },
	{ method: 'GET', path: `${DATA_API}/events`, auth: 'api' },
	{ method: 'GET', path: `${DATA_API}/summaries`, auth: 'api' },
	{ method: 'GET', path: '/', auth: 'none' },
	{ method: 'GET', path: '/room', auth: 'none' },
	{ method: 'GET', path: '/admin', auth: 'none' },
	{ method: 'GET', path: '/live', auth: 'none' },
	{ method: 'GET', path: '/join/{code}', auth: 'none' },
	{ method: 'GET', path: '/library', auth: 'none' },
	{ method: 'GET', path: '/replay/{lesson}', auth: 'none' },
	{ method: 'GET', path: '/analytics', auth: 'none' }
];

/** A path segment as an attacker would write it: traversal, broken or doubled escapes, NUL, very long, odd scripts. */
const hostileSegment = fc.oneof(
	fc.constantFrom('..', '%2e%2e', '%2E%2E%2F', '..%2f..%2f', '%00', '%', '%E0%A4%A', '%ff%fe', '%25', '%C0%AE%C0%AE', '.', '~', '\u202e', '%u002e', '%5c..%5c'),
	fc.string({ minLength: 1, maxLength: 30 }).map(encodeURIComponent),
	fc.integer({ min: 200, max: 8000 }).map((n) => 'a'.repeat(n)),
	fc.string({ minLength: 1, maxLength: 20, unit: 'binary' }).map((s) => Buffer.from(s, 'latin1').toString('latin1').replace(/[\r\n ]/g, 'x'))
);
const hostileQuery = fc.oneof(
	fc.constant(''),
	fc.constantFrom('?t=', '?t=%', '?t[]=1&t=2', '?format=../../etc/passwd', '?cursor=%E0%A4%A', '?__proto__=1', '?lessonId=' + 'x'.repeat(5000)),
	fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 30 }), { maxKeys: 4 }).map((q) => `?${new URLSearchParams(q)}`)
);
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND', 'GE T'];

/**
 * The HTTP side of the server, as its own process: every route gets malformed paths and escapes,
 * traversal, odd methods, forged, expired, wrong-kind and alg-none tokens, and malformed, oversized
 * and truncated bodies. No answer is a 5xx, the process stays up, and the catalog, lessons and
 * library are unchanged.
 */
describe('HTTP fuzz: every route', () => {
	let server: ServerProcess;
	let tokens: TokenService;
	let lesson: LessonRecord;
	let links: LessonLinks;
	const counts = { paths: 0, tokens: 0, bodies: 0, raw: 0 };
	const fill = (p: string, token = '') =>
		p.replaceAll('{lesson}', lesson.id).replaceAll('{classroom}', lesson.classroomIds[0] ?? 'cls_missing').replaceAll('{code}', links.classrooms[0]?.joinCode ?? 'AAAAAA').replaceAll('{deck}', 'dck_missing').replaceAll('{token}', token);
	const admin = () => ({ authorization: `Bearer ${server.adminToken}` });
	let roomToken = '';
	/** The credential a route takes: the room page's token for its routes, else the admin's. */
	const credentialOf = (route: Route) => (route.auth === 'room' ? { authorization: `Bearer ${roomToken}` } : admin());

	async function state(): Promise<string> {
		const read = async (p: string) => (await fetch(`${server.url}${p}`, { headers: admin() })).text();
		return JSON.stringify(await Promise.all(['/api/catalog', '/api/lessons', LIBRARY_API].map(read)));
	}
	async function stillUp(): Promise<void> {
		expect(server.alive(), server.output().slice(-3000)).toBe(true);
		expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
	}
	async function send(method: string, p: string, init: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<number> {
		const reply = await rawRequest(
			server.url,
			Buffer.concat([
				Buffer.from(`${method} ${p} HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n${Object.entries(init.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`).join('')}`, 'latin1'),
				Buffer.from(init.body === undefined ? '\r\n' : `Content-Length: ${Buffer.byteLength(init.body)}\r\n\r\n`, 'latin1'),
				init.body === undefined ? Buffer.alloc(0) : Buffer.from(init.body)
			]),
			5000
		);
		return reply.status;
	}
	/** An answer came, and it is not a server error. */
	const answered = (status: number, what: string) => expect(status >= 100 && status < 500, `${what} answered ${status || 'nothing'}`).toBe(true);
	/** Not a server error; closing the connection without an answer is a refusal too. */
	const no5xx = (status: number, what: string) => expect(status >= 500, `${what} answered ${status}`).toBe(false);

	beforeAll(async () => {
		server = await startServerProcess({ SLIDES_MAX_MB: '1', LOG_LEVEL: 'warn', METRICS_TOKEN: 'fuzz-metrics-token-0123456789' });
		const hex = (await readFile(path.join(server.dataDir, 'secret.key'), 'utf8')).trim();
		tokens = new TokenService(Buffer.from(hex, 'hex'));
		const post = async (p: string, body: unknown) =>
			(await fetch(`${server.url}${p}`, { method: 'POST', headers: { ...admin(), 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
		const school = (await post('/api/schools', { name: 'Fuzz school', locale: 'rural' })) as { id: string };
		const room = (await post('/api/classrooms', { schoolId: school.id, name: 'Room 1' })) as { id: string };
		({ lesson, links } = (await post('/api/lessons', { title: 'Fuzz lesson', teacherName: 'T', classroomIds: [room.id] })) as { lesson: LessonRecord; links: LessonLinks });
		roomToken = new URL(((await post(`/api/classrooms/${room.id}/room-link`, {})) as { link: string }).link).searchParams.get('t') ?? '';
	}, 90_000);
	afterAll(async () => {
		console.log(`HTTP fuzz cases: ${JSON.stringify(counts)}`);
		await server?.stop();
	});

	it('every route here is in the OpenAPI document, and every documented route is fuzzed here', async () => {
		const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
		const templates = Object.entries(doc.paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => ({ method: m.toUpperCase(), pattern: new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`), p })));
		const pages = new Set(['/', '/room', '/admin', '/live', '/join/{code}', '/library', '/replay/{lesson}', '/analytics']);
		const api = ROUTES.filter((r) => !pages.has(r.path));
		for (const route of api) {
			const concrete = fill(route.path).split('?')[0]!;
			expect(templates.some((t) => t.method === route.method && t.pattern.test(concrete)), `${route.method} ${route.path} documented`).toBe(true);
		}
		for (const t of templates) {
			expect(api.some((r) => r.method === t.method && t.pattern.test(fill(r.path).split('?')[0]!)), `${t.method} ${t.p} fuzzed`).toBe(true);
		}
	});

	it('malformed paths, escapes, traversal, queries and methods on every route', async () => {
		const before = await state();
		await fc.assert(
			fc.asyncProperty(
				fc.constantFrom(...ROUTES),
				fc.constantFrom(...METHODS),
				fc.array(hostileSegment, { minLength: 1, maxLength: 3 }),
				fc.nat(),
				hostileQuery,
				async (route, method, segments, at, query) => {
					const parts = fill(route.path).split('?')[0]!.split('/');
					parts.splice(1 + (at % parts.length), 0, ...segments);
					const status = await send(method, parts.join('/') + query, { headers: credentialOf(route) });
					counts.paths++;
					answered(status, `${method} ${parts.join('/').slice(0, 120)}`);
				}
			),
			{ numRuns: 1500 }
		);
		expect(await state()).toBe(before);
		await stillUp();
	});

	it('forged, expired, wrong-kind and alg-none tokens are refused on every route that needs one', async () => {
		const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
		const exp = Math.floor(Date.now() / 1000) + 3600;
		const forger = new TokenService(Buffer.alloc(32, 7));
		const past = Date.now() - 60_000;
		const generation = (await readFile(path.join(server.dataDir, 'staff', 'admin-generation'), 'utf8')).trim();
		const bad = {
			forged: await forger.signAdmin(generation, Date.now() + 3_600_000),
			expiredAdmin: await tokens.signAdmin(generation, past),
			revokedAdmin: await tokens.signAdmin('an-older-generation', Date.now() + 3_600_000),
			expiredLesson: await tokens.signLesson({ lessonId: lesson.id, role: 'teacher', classroomId: null, participantId: 'x', expiresAt: past }),
			algNone: `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ kind: 'admin', sub: 'admin', iss: 'classbridge', exp })}.`,
			algNoneLesson: `${b64({ alg: 'none' })}.${b64({ kind: 'lesson', lid: lesson.id, role: 'teacher', cid: null, sub: 't', iss: 'classbridge', exp })}.`,
			hs512: `${b64({ alg: 'HS512' })}.${b64({ kind: 'admin', sub: 'admin', exp })}.c2ln`,
			device: await tokens.signDevice({ classroomId: lesson.classroomIds[0]!, studentId: 'stu_x', expiresAt: Date.now() + 3_600_000 }),
			revokedRoom: await tokens.signRoom({ classroomId: lesson.classroomIds[0]!, generation: 'an-older-generation', expiresAt: Date.now() + 3_600_000 }),
			studentAsTeacher: await tokens.signLesson({ lessonId: lesson.id, role: 'student', classroomId: lesson.classroomIds[0]!, participantId: 'stu_x', expiresAt: Date.now() + 3_600_000 }),
			garbage: 'eyJ.eyJ.',
			huge: 'e'.repeat(10_000)
		};
		const before = await state();
		await fc.assert(
			fc.asyncProperty(fc.constantFrom(...ROUTES.filter((r) => r.auth !== 'none')), fc.constantFrom(...Object.entries(bad)), async (route, [kind, token]) => {
				const p = fill(route.path, token);
				const withQuery = p.includes('?') ? `${p}&t=${token}` : `${p}?t=${token}`;
				const status = await send(route.method, withQuery, { headers: { authorization: `Bearer ${token}` }, body: route.method === 'POST' ? '{}' : undefined });
				counts.tokens++;
				answered(status, `${route.path} with ${kind}`);
				const mayPass = kind === 'studentAsTeacher' && route.auth === 'lesson';
				if (!mayPass) expect([400, 401, 403, 404, 405, 410, 413, 414, 431], `${route.method} ${route.path} with ${kind}: ${status}`).toContain(status);
				no5xx(status, `${route.path} with ${kind}`);
			}),
			{ numRuns: 500 }
		);
		expect(await state()).toBe(before);
		await stillUp();
	});

	it('malformed, polluting, deep, oversized and truncated bodies are refused and change nothing', async () => {
		const before = await state();
		const jsonRoutes = ROUTES.filter((r) => r.method === 'POST' && !r.path.startsWith(DECKS_API));
		const body = fc.oneof(
			fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
			fc.constantFrom('', '{', '{"a":', 'null', '[]', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}', '\u0000\u0001', '\ufeff{}'),
			fc.integer({ min: 100, max: 3000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
			fc.integer({ min: 33_000, max: 200_000 }).map((n) => JSON.stringify({ name: 'x'.repeat(n) })),
			fc.string({ maxLength: 200, unit: 'binary' })
		);
		await fc.assert(
			fc.asyncProperty(fc.constantFrom(...jsonRoutes), body, async (route, text) => {
				const status = await send(route.method, fill(route.path), { headers: { ...credentialOf(route), 'content-type': 'application/json' }, body: text });
				counts.bodies++;
				answered(status, `${route.path} body ${text.slice(0, 60)}`);
			}),
			{ numRuns: 150 }
		);
		for (const route of jsonRoutes.filter((r) => r.body)) {
			await fc.assert(
				fc.asyncProperty(malformedOf(route.body!), async (value) => {
					const status = await send(route.method, fill(route.path), { headers: { ...credentialOf(route), 'content-type': 'application/json' }, body: JSON.stringify(value) });
					counts.bodies++;
					expect([400, 413], `${route.path}: ${JSON.stringify(value).slice(0, 80)}`).toContain(status);
				}),
				{ numRuns: 40 }
			);
		}
		// Truncated: the length promised is never sent; and a deck twice the size limit.
		for (const route of [...jsonRoutes, { method: 'POST', path: `${DECKS_API}?name=x.pdf`, auth: 'lesson' as const }]) {
			const token = new URL(links.teacher).searchParams.get('t') ?? '';
			const reply = await rawRequest(
				server.url,
				`${route.method} ${fill(route.path)}${route.path.includes('?') ? '&' : '?'}t=${token} HTTP/1.1\r\nHost: fuzz\r\nAuthorization: Bearer ${route.auth === 'lesson' ? token : server.adminToken}\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"name":`,
				600
			);
			counts.bodies++;
			no5xx(reply.status, `truncated ${route.path}`);
		}
		const teacher = new URL(links.teacher).searchParams.get('t') ?? '';
		const big = await fetch(`${server.url}${DECKS_API}?name=big.pdf&t=${teacher}`, {
			method: 'POST',
			headers: { authorization: `Bearer ${teacher}`, 'content-type': 'application/pdf' },
			body: Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(2 * 1024 * 1024, 32)])
		}).catch(() => null);
		if (big) expect(big.status).toBe(413);
		counts.bodies++;
		expect(await state()).toBe(before);
		await stillUp();
	});

	it('malformed request lines and headers, byte for byte', async () => {
		const line = fc.oneof(
			fc.constantFrom(
				'GET //[ HTTP/1.1',
				'GET http://[x]/ HTTP/1.1',
				'GET * HTTP/1.1',
				'GET /\u0000 HTTP/1.1',
				'GET / HTTP/9.9',
				'GET /' + '%'.repeat(5000) + ' HTTP/1.1',
				'\u0016\u0003\u0001\u0000',
				'POST /api/join HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
				'GET /api/lessons HTTP/1.1\r\nX: ' + 'h'.repeat(100_000)
			),
			fc.string({ minLength: 1, maxLength: 300, unit: 'binary' }).map((s) => Buffer.from(s, 'latin1').toString('latin1'))
		);
		await fc.assert(
			fc.asyncProperty(line, async (text) => {
				const reply = await rawRequest(server.url, Buffer.from(`${text}\r\nHost: x\r\n\r\n`, 'latin1'), 1500);
				counts.raw++;
				no5xx(reply.status, JSON.stringify(text.slice(0, 60)));
			}),
			{ numRuns: 150 }
		);
		await stillUp();
	});
});
