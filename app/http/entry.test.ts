import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../../core/testing/rawHttp.ts';
import { startServerProcess, type ServerProcess } from '../testing/serverProcess.ts';

/**
 * Requests that once stopped the whole process (every lesson on the node with it), sent to the real
 * server process as an attacker would, byte for byte.
 */
describe('the server process survives malformed requests', () => {
	let server: ServerProcess;
	beforeAll(async () => {
		server = await startServerProcess();
	}, 90_000);
	afterAll(() => server.stop());

	const healthy = async () => {
		expect(server.alive(), server.output().slice(-2000)).toBe(true);
		const res = await fetch(`${server.url}/healthz`);
		expect(res.status).toBe(200);
	};

	it('answers 400 to a request target new URL() refuses, and stays up', async () => {
		const reply = await rawRequest(server.url, 'GET //[ HTTP/1.1\r\nHost: x\r\n\r\n');
		expect(reply.status).toBe(400);
		await healthy();
	});

	it('answers 400 to absolute-form and protocol-relative targets', async () => {
		for (const target of ['http://[x]/api/lessons', '//evil.example/api/catalog', 'http://[x]/board']) {
			const reply = await rawRequest(server.url, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
			expect(reply.status, target).toBe(400);
		}
		await healthy();
	});

	it('survives a WebSocket upgrade to a malformed board address', async () => {
		for (const target of ['http://[x]/board', '//[', '/board?t=%E0%A4%A&sessionId=%']) {
			await rawRequest(
				server.url,
				`GET ${target} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
				1500
			);
		}
		await healthy();
	});

	it('answers 400, not 500, to a malformed percent-escape in a path', async () => {
		const res = await fetch(`${server.url}/api/join/%E0%A4%A`);
		expect(res.status).toBe(400);
		expect(await res.json()).toMatchObject({ error: { code: 'invalid' } });
		await healthy();
	});
});
