import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { unhandledRejections } from '../../core/testing/escapes.ts';
import { freePort } from '../../core/testing/ports.ts';
import { malformedOf, validOf } from '../../core/testing/zodArbitrary.ts';
import { EDGE_MEDIA_PATH, EDGE_METHODS, EdgeParamsSchemas } from '../../protocol/edgeMedia.ts';
import { Sfu } from '../../sfu/index.ts';
import { EdgeLinks, EdgeMediaServer } from './EdgeMediaLink.ts';

const PEER = { 'x-test-peer': 'yes' };

/** The WebSocket between two nodes, on a real server and a real media worker. */
describe('the edge media link', () => {
	let sfu: Sfu;
	let server: Server;
	let edgeServer: EdgeMediaServer;
	let url: string;
	const rejections = unhandledRejections();

	beforeAll(async () => {
		rejections.start();
		sfu = new Sfu({ numWorkers: 1, rtcPort: await freePort(), listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', logLevel: 'none' });
		await sfu.start();
		edgeServer = new EdgeMediaServer(sfu.edgeHost, (req) => req.headers['x-test-peer'] === 'yes');
		server = createServer((_req, res) => res.writeHead(404).end());
		server.on('upgrade', (req, socket, head) => {
			if (!edgeServer.handleUpgrade(req, socket, head)) socket.destroy();
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});
	afterAll(async () => {
		rejections.stop();
		edgeServer.close();
		server.closeAllConnections();
		await new Promise<void>((resolve) => server.close(() => resolve()));
		sfu.close();
	});

	it('is refused without the peer stamp, and to a node that is not live', async () => {
		const strangers = new EdgeLinks({ nodeUrl: async () => url, headers: {} });
		expect(await strangers.connect('node-b')).toBeNull();
		const nowhere = new EdgeLinks({ nodeUrl: async () => null, headers: PEER });
		expect(await nowhere.connect('node-gone')).toBeNull();
	});

	it('answers every call with parameters out of shape with an error, answers junk with nothing worse, and keeps serving', async () => {
		const links = new EdgeLinks({ nodeUrl: async () => url, headers: PEER });
		const link = await links.connect('node-b');
		expect(link).not.toBeNull();
		let refused = 0;
		for (const method of EDGE_METHODS) {
			await fc.assert(
				fc.asyncProperty(malformedOf(EdgeParamsSchemas[method]), async (params) => {
					await expect(link!.call(method, params as never)).rejects.toThrow();
					refused++;
				}),
				{ numRuns: 8 }
			);
			// Well-formed ids of things that do not exist: refused by the edge, not thrown out of it.
			await fc.assert(
				fc.asyncProperty(validOf(EdgeParamsSchemas[method]), async (params) => {
					if (method === 'lesson.open' || method === 'lesson.close') return;
					await link!.call(method, params as never).then(
						(result) => expect(result).toBeNull(), // closes and pauses of unknown ids are no-ops
						(error: Error) => expect(error.message).toMatch(/node-b: /)
					);
				}),
				{ numRuns: 4 }
			);
		}
		// Raw frames that are not calls at all.
		const raw = new WebSocket(`${url.replace('http', 'ws')}${EDGE_MEDIA_PATH}`, { headers: PEER });
		await new Promise((resolve) => raw.once('open', resolve));
		const answers: string[] = [];
		raw.on('message', (data) => answers.push(data.toString()));
		for (const junk of ['not json', '{}', '{"id":1,"method":"nope","params":{}}', JSON.stringify({ id: -1, method: 'lesson.close' }), '[]', 'null']) raw.send(junk);
		await vi.waitFor(() => expect(answers).toHaveLength(6));
		expect(answers.every((a) => (JSON.parse(a) as { ok: boolean }).ok === false)).toBe(true);
		raw.close();

		// Still serving: a lesson opens there and its transport is made.
		const originRouter = await sfu.pool.slots[0]!.worker.createRouter({ mediaCodecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }] });
		const pipe = await originRouter.createPipeTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, enableSrtp: true });
		const { edge } = await link!.call('lesson.open', {
			lessonId: 'les_link',
			origin: { ip: '127.0.0.1', port: pipe.tuple.localPort, srtpParameters: pipe.srtpParameters! }
		});
		expect(edge.srtpParameters.cryptoSuite).toBeTruthy();
		const transport = await link!.call('transport.create', { lessonId: 'les_link', appData: {} });
		expect(transport.iceCandidates.length).toBeGreaterThan(0);
		expect(sfu.edgeHost.lessons).toBe(1);
		console.info(`edge link: ${refused} malformed calls refused, 6 junk frames answered, then a lesson opened`);

		// The origin goes away: the edge closes what it held for it.
		await links.close();
		await vi.waitFor(() => expect(sfu.edgeHost.lessons).toBe(0));
		originRouter.close();
		expect(rejections.escaped).toEqual([]);
	}, 60_000);
});
