import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DistrictHoldings, LibraryEntry, PackageListEntry, SyncStatus } from '../../protocol/index.ts';
import { startServerProcess, type ServerProcess } from '../../app/testing/serverProcess.ts';
import { writeLessonFixture } from './testing/lessonFixture.ts';
import { sustainedKbps, TcpRelay } from './testing/tcpRelay.ts';

const CAP_KBPS = 2000;
const LINK_KBPS = 8000;
const LESSONS = ['lesson_sync_big', 'lesson_sync_small'];

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await fn().catch(() => null);
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

/**
 * District → school sync between two real server processes over a paced TCP relay that is cut
 * three times: every package arrives and is verified, little is sent twice, the cap holds, and a
 * school outside its window pulls nothing.
 */
describe('sync: a school follows a district library', () => {
	const dirs: string[] = [];
	const servers: ServerProcess[] = [];
	const relays: TcpRelay[] = [];
	let district: ServerProcess;
	let token = '';
	let publicKey = '';

	const api = async <T>(server: ServerProcess, p: string, init: RequestInit = {}): Promise<T> => {
		const res = await fetch(`${server.url}${p}`, { ...init, headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
		if (!res.ok) throw new Error(`${p}: ${res.status} ${await res.text()}`);
		return (res.status === 204 ? null : await res.json()) as T;
	};
	const tempDir = async (name: string) => {
		const dir = await mkdtemp(path.join(tmpdir(), `cb16-${name}-`));
		dirs.push(dir);
		return dir;
	};
	const school = async (relay: TcpRelay, env: Record<string, string>) => {
		const s = await startServerProcess({
			DATA_DIR: await tempDir('school'),
			SYNC_FROM: await relay.start(),
			SYNC_TOKEN: token,
			TRUSTED_PACKAGE_KEYS: publicKey,
			SYNC_INTERVAL_S: '1',
			...env
		});
		servers.push(s);
		return s;
	};

	beforeAll(async () => {
		const data = await tempDir('district');
		await writeLessonFixture(data, LESSONS[0]!, { seconds: 10, videoKbps: 1500, title: 'Big lesson' });
		await writeLessonFixture(data, LESSONS[1]!, { seconds: 3, title: 'Small lesson' });
		district = await startServerProcess({ DATA_DIR: data });
		servers.push(district);
		publicKey = (await api<{ publicKey: string }>(district, '/api/packages/key')).publicKey;
		token = (await api<{ token: string }>(district, '/api/packages/sync-tokens', { method: 'POST', body: JSON.stringify({ school: 'Hillside' }) })).token;
	}, 180_000);

	afterAll(async () => {
		for (const relay of relays) await relay.close().catch(() => undefined);
		for (const s of servers) await s.stop();
		for (const dir of dirs) await rm(dir, { recursive: true, force: true });
	});

	it('pulls every package through three cuts, verified, under the cap, with little resent', async () => {
		const list = await api<{ packages: PackageListEntry[] }>(district, '/api/packages');
		expect(list.packages.map((p) => p.lessonId).sort()).toEqual([...LESSONS].sort());
		const total = list.packages.reduce((s, p) => s + p.bytes, 0);
		expect(total).toBeGreaterThan(1_000_000);
		const relay = new TcpRelay(Number(new URL(district.url).port), LINK_KBPS);
		relays.push(relay);
		// A school outside its window, on its own link: nothing may move.
		const closedRelay = new TcpRelay(Number(new URL(district.url).port), LINK_KBPS);
		relays.push(closedRelay);
		const h = new Date().getHours();
		const closed = await school(closedRelay, { SYNC_HOURS: `${(h + 2) % 24}-${(h + 3) % 24}` });
		const open = await school(relay, { SYNC_MAX_KBPS: String(CAP_KBPS) });

		for (const fraction of [0.25, 0.5, 0.75]) {
			await until(`${fraction * 100} % through`, async () => relay.bytesDown > total * fraction, 120_000);
			relay.cut(1500);
		}
		const library = await until(
			'both lessons in the school library',
			async () => {
				const { entries } = await api<{ entries: LibraryEntry[] }>(open, '/api/library');
				return entries.length === LESSONS.length && entries;
			},
			120_000
		);
		expect(library.map((e) => [e.lessonId, e.state, e.origin?.kind]).sort()).toEqual(LESSONS.map((id) => [id, 'ready', 'synced']).sort());

		const status = (await api<{ status: SyncStatus }>(open, '/api/packages/sync')).status;
		expect(status).toMatchObject({ enabled: true, done: LESSONS.length, maxKbps: CAP_KBPS });
		const overhead = relay.bytesDown / total;
		expect(overhead).toBeLessThanOrEqual(1.05);
		const kbps = sustainedKbps(relay.log, relay.cuts);
		expect(kbps).toBeLessThanOrEqual(CAP_KBPS * 1.1);
		expect(kbps).toBeGreaterThan(CAP_KBPS * 0.5);
		console.info(`sync: ${relay.bytesDown} bytes for ${total} (×${overhead.toFixed(3)}), ${kbps.toFixed(0)} kbit/s sustained against a ${CAP_KBPS} cap, ${relay.cuts.length} cuts`);

		const holdings = await until(
			'the district sees the school',
			async () => {
				const h = await api<DistrictHoldings>(district, '/api/packages/holdings');
				return h.schools.find((s) => s.school === 'Hillside' && s.lessonIds.length === LESSONS.length) && h;
			},
			30_000
		);
		expect(holdings.schools[0]!.lessonIds).toEqual([...LESSONS].sort());

		const closedStatus = (await api<{ status: SyncStatus }>(closed, '/api/packages/sync')).status;
		expect(closedStatus.state).toBe('waiting_window');
		expect(closedStatus.nextWindowAt).toBeGreaterThan(Date.now());
		expect(closedRelay.bytesDown).toBe(0);
		expect((await api<{ entries: LibraryEntry[] }>(closed, '/api/library')).entries).toEqual([]);
	}, 240_000);

	it('refuses a wrong sync token', async () => {
		const res = await fetch(`${district.url}/api/packages`, { headers: { authorization: 'Bearer cbs_not-a-token' } });
		expect(res.status).toBe(401);
	});
});
