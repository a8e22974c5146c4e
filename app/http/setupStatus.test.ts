import { afterEach, describe, expect, it } from 'vitest';
import { SETUP_STATUS_API } from '../../protocol/index.ts';
import { startServerProcess, type ServerProcess } from '../testing/serverProcess.ts';

/** The admin page learns from the server that the board licence key is missing (staff only). */
describe('GET /api/setup/status', () => {
	let server: ServerProcess | undefined;
	afterEach(async () => {
		await server?.stop();
		server = undefined;
	});

	it.skipIf(!!process.env['TLDRAW_LICENSE_KEY'])('says the board licence is missing without TLDRAW_LICENSE_KEY, set with it, and only to staff', async () => {
		server = await startServerProcess();
		const get = (auth?: string) => fetch(`${server!.url}${SETUP_STATUS_API}`, { headers: auth ? { authorization: `Bearer ${auth}` } : {} });
		expect((await get()).status).toBe(401);
		const res = await get(server.adminToken);
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ boardLicence: 'missing' });
		await server.stop();
		server = await startServerProcess({ TLDRAW_LICENSE_KEY: 'tldraw-test-key' });
		expect(await (await get(server.adminToken)).json()).toEqual({ boardLicence: 'set' });
	});
});
