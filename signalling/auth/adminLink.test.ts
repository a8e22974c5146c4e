import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAFF_SESSION_API } from '../http/StaffSessionHttp.ts';
import { startTestApp, type TestApp } from '../../app/testing/harness.ts';

const run = promisify(execFile);
const tokenOf = (link: string) => new URL(link).searchParams.get('token') ?? '';

/** `npm run admin-link`'s command, as a child process against `dataDir`. */
async function adminLinkCli(dataDir: string): Promise<string> {
	const { stdout } = await run(path.resolve('node_modules/.bin/tsx'), ['scripts/admin-link.ts'], {
		env: { ...process.env, DATA_DIR: dataDir, PORT: '3000', LOG_LEVEL: 'silent' },
		timeout: 60_000
	});
	const link = /(http:\/\/\S+\/admin\?token=\S+)/.exec(stdout)?.[1];
	if (!link) throw new Error(`no link printed:\n${stdout}`);
	return link;
}

describe('npm run admin-link: a new admin link revokes older links and their sessions, on a running server too', () => {
	let dataDir: string;
	let t: TestApp;
	const catalog = (headers: Record<string, string>) => fetch(`${t.url}/api/catalog`, { headers });
	const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
	const signIn = async (token: string) => {
		const res = await fetch(`${t.url}${STAFF_SESSION_API}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: t.url }, body: JSON.stringify({ token }) });
		return { status: res.status, cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '' };
	};

	beforeAll(async () => {
		dataDir = await mkdtemp(path.join(tmpdir(), 'cb-admin-link-'));
		t = await startTestApp({}, dataDir);
	});
	afterAll(async () => {
		await t?.stop();
		await rm(dataDir, { recursive: true, force: true });
	});

	it('the link printed at start keeps working across a restart', async () => {
		const first = tokenOf(t.app.adminUrl);
		await t.stop();
		t = await startTestApp({}, dataDir);
		expect((await catalog(bearer(first))).status).toBe(200);
		expect((await catalog(bearer(tokenOf(t.app.adminUrl)))).status).toBe(200);
	});

	it('refuses the old link and the old session within about a second; the new link works', async () => {
		const old = tokenOf(t.app.adminUrl);
		const oldSession = await signIn(old);
		expect(oldSession.status).toBe(200);
		expect((await catalog({ cookie: oldSession.cookie })).status).toBe(200);

		const fresh = tokenOf(await adminLinkCli(dataDir));
		const changedAt = Date.now();
		await expect.poll(async () => (await catalog(bearer(old))).status, { timeout: 1500, interval: 50 }).toBe(401);
		expect(Date.now() - changedAt).toBeLessThan(1500);
		expect((await catalog({ cookie: oldSession.cookie })).status).toBe(401);
		expect((await signIn(old)).status).toBe(401);

		expect((await catalog(bearer(fresh))).status).toBe(200);
		const freshSession = await signIn(fresh);
		expect(freshSession.status).toBe(200);
		expect((await catalog({ cookie: freshSession.cookie })).status).toBe(200);

		// A restart keeps the new generation: the old link stays refused, the new one works.
		await t.stop();
		t = await startTestApp({}, dataDir);
		expect((await catalog(bearer(old))).status).toBe(401);
		expect((await catalog(bearer(fresh))).status).toBe(200);
	});

	it('refuses to make a link for a folder that holds no Classbridge data', async () => {
		const empty = await mkdtemp(path.join(tmpdir(), 'cb-admin-link-empty-'));
		try {
			await expect(adminLinkCli(empty)).rejects.toThrow(/no Classbridge data folder/);
		} finally {
			await rm(empty, { recursive: true, force: true });
		}
	});
});
