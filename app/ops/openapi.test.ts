import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../testing/serverProcess.ts';

interface Operation {
	requestBody?: { content: Record<string, { schema?: object }> };
	responses: Record<string, { content?: Record<string, { schema?: object }> }>;
}
interface Document {
	openapi: string;
	paths: Record<string, Record<string, Operation>>;
	components?: object;
}

/**
 * The served OpenAPI document against the real server: real requests to a real server process, each
 * request body and each answer validated with ajv against the document's schema for that path,
 * method and status.
 */
describe('/api/openapi.json describes the real answers', () => {
	let server: ServerProcess;
	let doc: Document;
	const ajv = new Ajv2020({ strict: false, allErrors: true });
	const validators = new Map<string, ValidateFunction>();
	let checked = 0;

	const admin = () => ({ authorization: `Bearer ${server.adminToken}` });
	/** The document's operation for a concrete path (templated segments match any one segment). */
	function operation(method: string, concrete: string): { template: string; op: Operation } {
		const pathname = concrete.split('?')[0]!;
		const found = Object.entries(doc.paths).find(([template, methods]) => {
			const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
			return pattern.test(pathname) && methods[method.toLowerCase()];
		});
		if (!found) throw new Error(`no ${method} ${pathname} in the document`);
		return { template: found[0], op: found[1][method.toLowerCase()]! };
	}
	function validator(key: string, schema: object): ValidateFunction {
		let validate = validators.get(key);
		if (!validate) {
			// The schema with the document's components beside it, so that its #/components refs resolve.
			validate = ajv.compile({ ...schema, components: doc.components });
			validators.set(key, validate);
		}
		return validate;
	}
	/** Sends a real request; checks the body it sends and the answer it gets against the document. */
	async function call(method: string, p: string, init: { body?: unknown; headers?: Record<string, string> } = {}, expectStatus?: number): Promise<unknown> {
		const { template, op } = operation(method, p);
		if (init.body !== undefined) {
			const schema = op.requestBody?.content['application/json']?.schema;
			expect(schema, `${method} ${template} documents its body`).toBeDefined();
			const validate = validator(`${method} ${template} request`, schema!);
			expect(validate(init.body), `request ${method} ${template}: ${ajv.errorsText(validate.errors)}`).toBe(true);
		}
		const res = await fetch(`${server.url}${p}`, {
			method,
			headers: { ...init.headers, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
			body: init.body === undefined ? undefined : JSON.stringify(init.body)
		});
		if (expectStatus !== undefined) expect(res.status, `${method} ${p}`).toBe(expectStatus);
		const status = String(res.status);
		const response = op.responses[status] ?? op.responses[`${status[0]}XX`];
		expect(response, `${method} ${template} documents ${status}`).toBeDefined();
		const schema = response!.content?.['application/json']?.schema;
		expect(schema, `${method} ${template} ${status} has a JSON schema`).toBeDefined();
		const body = (await res.json()) as unknown;
		const validate = validator(`${method} ${template} ${status}`, schema!);
		expect(validate(body), `${method} ${p} ${status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`).toBe(true);
		checked++;
		return body;
	}

	beforeAll(async () => {
		server = await startServerProcess({ LOG_LEVEL: 'warn' });
		const res = await fetch(`${server.url}/api/openapi.json`);
		expect(res.status).toBe(200);
		doc = (await res.json()) as Document;
	}, 90_000);
	afterAll(async () => {
		console.log(`OpenAPI: ${checked} real answers validated against ${Object.keys(doc?.paths ?? {}).length} documented paths`);
		await server?.stop();
	});

	it('is an OpenAPI 3.1 document listing the operator routes and the API', () => {
		expect(doc.openapi).toBe('3.1.0');
		for (const p of ['/healthz', '/metrics', '/api/openapi.json', '/api/catalog', '/api/lessons', '/api/lessons/{lessonId}', '/api/join/{code}', '/api/library']) {
			expect(Object.keys(doc.paths), p).toContain(p);
		}
	});

	it('catalog, lessons, session, join, library, staff session and health answers match their schemas', async () => {
		await call('GET', '/healthz', {}, 200);
		const school = (await call('POST', '/api/schools', { body: { name: 'OpenAPI school', locale: 'rural' }, headers: admin() }, 201)) as { id: string };
		const room = (await call('POST', '/api/classrooms', { body: { schoolId: school.id, name: 'Room A' }, headers: admin() }, 201)) as { id: string };
		const created = (await call('POST', '/api/lessons', { body: { title: 'Fractions', teacherName: 'Ms Li', classroomIds: [room.id] }, headers: admin() }, 201)) as {
			lesson: { id: string; joinCodes: Record<string, string> };
			links: { teacher: string };
		};
		await call('GET', '/api/catalog', { headers: admin() }, 200);
		await call('GET', '/api/lessons', { headers: admin() }, 200);
		await call('GET', `/api/lessons/${created.lesson.id}`, { headers: admin() }, 200);
		const teacherToken = new URL(created.links.teacher).searchParams.get('t')!;
		await call('GET', `/api/session?t=${teacherToken}`, {}, 200);
		await call('GET', `/api/join/${created.lesson.joinCodes[room.id]}`, {}, 200);
		await call('GET', '/api/library', { headers: admin() }, 200);
		await call('GET', '/api/staff/session', {}, 200);
	});

	it('error answers match the documented error body', async () => {
		await call('GET', '/api/catalog', {}, 401);
		await call('POST', '/api/schools', { body: { name: 'x', locale: 'rural' } }, 401);
		await call('GET', '/api/lessons/les_missing', { headers: admin() }, 404);
		await call('GET', '/api/join/ZZZZZZ', {}, 404);
		await call('GET', '/api/session?t=not-a-token', {}, 401);
		const bad = await fetch(`${server.url}/api/schools`, { method: 'POST', headers: { ...admin(), 'content-type': 'application/json' }, body: JSON.stringify({ name: '' }) });
		expect(bad.status).toBe(400);
		const validate = validator('error', doc.paths['/api/schools']!.post!.responses['4XX']!.content!['application/json']!.schema!);
		expect(validate(await bad.json())).toBe(true);
	});
});
