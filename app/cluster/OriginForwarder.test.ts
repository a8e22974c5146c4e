import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAddress } from '../../core/http/httpUtil.ts';
import type { LessonOrigins } from '../../signalling/cluster/LessonOrigins.ts';
import { CLIENT_ADDRESS_HEADER, FORWARDED_HEADER, OriginForwarder } from './OriginForwarder.ts';

const secret = randomBytes(32);
const forwarder = (selfId: string, trustProxy: number) =>
	new OriginForwarder({
		// Neither test request names a lesson, so the origins are never asked.
		origins: {} as LessonOrigins,
		selfId,
		secret,
		analyticsNode: async () => null,
		recordingNode: async () => null,
		lessonOfJoinCode: () => null,
		trustProxy
	});

async function listen(server: Server): Promise<string> {
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('OriginForwarder: a forwarded request keeps its client address', () => {
	const edge = forwarder('node-edge', 1);
	const origin = forwarder('node-origin', 0);
	let edgeUrl = '';
	let originUrl = '';
	const servers: Server[] = [];

	beforeAll(async () => {
		// The origin answers with the client address its routes would count (join limits).
		const originServer = createServer((req, res) => {
			void origin.target(req).then(() => res.end(clientAddress(req, 0)));
		});
		originUrl = await listen(originServer);
		// The edge sits behind one reverse proxy (TRUST_PROXY=1) and forwards everything.
		const edgeServer = createServer((req, res) => edge.web(req, res, { id: 'node-origin', url: originUrl, load: { lessons: 0, consumers: 0 }, at: Date.now() }));
		edgeUrl = await listen(edgeServer);
		servers.push(originServer, edgeServer);
	});
	afterAll(async () => {
		edge.close();
		origin.close();
		for (const server of servers) {
			server.closeAllConnections();
			await new Promise((resolve) => server.close(resolve));
		}
	});

	it('the origin counts the phone the edge saw, not the edge', async () => {
		const res = await fetch(`${edgeUrl}/api/join`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
		expect(await res.text()).toBe('203.0.113.7');
	});

	it('a client address sent without a valid stamp is not believed', async () => {
		const direct = await fetch(`${originUrl}/api/join`, { headers: { [CLIENT_ADDRESS_HEADER]: '198.51.100.9' } });
		expect(await direct.text()).toBe('127.0.0.1');
		const forged = await fetch(`${originUrl}/api/join`, { headers: { [CLIENT_ADDRESS_HEADER]: '198.51.100.9', [FORWARDED_HEADER]: 'node-edge.bm90LWEtc2lnbmF0dXJl' } });
		expect(await forged.text()).toBe('127.0.0.1');
	});
});
