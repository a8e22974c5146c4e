import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JoinGrant } from '../../protocol/index.ts';
import { createLesson, startTestApp, TestClient, type TestApp, type TestLesson } from '../../app/testing/harness.ts';
import { JOIN_ADDRESS_BURST, JOIN_DEVICE_BURST } from './joinLimits.ts';

/** One school behind one NAT: the address limit must not lock a class out, the device is counted first. */
describe('join rate limits', () => {
	let t: TestApp;
	let lesson: TestLesson;
	let assistant: TestClient;

	beforeAll(async () => {
		t = await startTestApp({ TRUST_PROXY: '1' });
		lesson = await createLesson(t, 1);
		assistant = new TestClient(t.url, lesson.token('assistant', 0));
		await assistant.joinLesson();
	});
	afterAll(async () => {
		assistant.close();
		await t.stop();
	});

	const post = async (address: string, body: Record<string, unknown>) => {
		const res = await fetch(`${t.url}/api/join`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
			body: JSON.stringify(body)
		});
		return { status: res.status, body: (await res.json()) as Partial<JoinGrant> & { error?: { code: string } } };
	};
	const lookup = async (address: string) => (await fetch(`${t.url}/api/join/${lesson.joinCode(0)}`, { headers: { 'x-forwarded-for': address } })).status;
	/** Looks the code up from this address until the address bucket refuses. */
	const drain = async (address: string) => {
		for (let i = 0; i < JOIN_ADDRESS_BURST + 50; i++) if ((await lookup(address)) === 429) return i;
		throw new Error('the address bucket never refused');
	};

	it('45 phones behind one address re-join with their device tokens after the address bucket is spent; a flood without tokens gets 429', async () => {
		const school = '198.51.100.45';
		const names = Array.from({ length: 45 }, (_, i) => `Pupil ${i + 1}`);
		await assistant.ok('classList.add', { names });
		const first = await Promise.all(names.map((name) => post(school, { code: lesson.joinCode(0), name })));
		expect(first.map((r) => r.status)).toEqual(names.map(() => 201));

		// Someone on the same network floods the join routes without a device token.
		const spent = await drain(school);
		expect(spent).toBeGreaterThan(JOIN_ADDRESS_BURST - 45 - 5);
		// The bucket refills 3 a second, so on a busy machine one of these may pass; the flood does not.
		const flood = await Promise.all(Array.from({ length: 10 }, (_, i) => post(school, { code: lesson.joinCode(0), name: `Flooder ${i}` })));
		const refused = flood.filter((r) => r.status === 429);
		expect(refused.length).toBeGreaterThanOrEqual(7);
		expect(refused[0]).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });

		const again = await Promise.all(first.map((r) => post(school, { code: lesson.joinCode(0), deviceToken: r.body.deviceToken })));
		expect(again.map((r) => r.status)).toEqual(names.map(() => 201));
		expect(again.map((r) => r.body.student?.name)).toEqual(names);
		// Another network is counted apart.
		expect(await lookup('203.0.113.1')).toBe(200);
	});

	it('one device token is limited on its own, without touching the other phones or the address', async () => {
		const home = '203.0.113.50';
		const joined = await post(home, { code: lesson.joinCode(0), name: 'Repeat Joiner' });
		const statuses: number[] = [];
		// Each join hands out a new device token; using the newest is no way around the limit.
		let token = joined.body.deviceToken;
		for (let i = 0; i < JOIN_DEVICE_BURST + 5; i++) {
			const reply = await post(home, { code: lesson.joinCode(0), deviceToken: token });
			statuses.push(reply.status);
			token = reply.body.deviceToken ?? token;
		}
		expect(statuses.slice(0, JOIN_DEVICE_BURST).every((s) => s === 201)).toBe(true);
		expect(statuses.slice(JOIN_DEVICE_BURST + 1)).toEqual([429, 429, 429, 429]);
		expect(await lookup(home)).toBe(200);
		expect((await post(home, { code: lesson.joinCode(0), name: 'Another Pupil' })).status).toBe(201);
	});

	it('a forged device token counts against the address', async () => {
		const address = '203.0.113.60';
		await drain(address);
		expect((await post(address, { code: lesson.joinCode(0), deviceToken: 'not-a-token' })).status).toBe(429);
	});
});
