import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOIN_CLAIM_API, JOIN_CLAIM_CANCEL_API, type ClaimAnswer, type ClassList, type JoinGrant, type JoinInfo, type JoinPending } from '../../protocol/index.ts';
import { createLesson, joinByCode, startTestApp, TestClient, waitFor, type TestApp, type TestLesson } from '../../app/testing/harness.ts';

/**
 * A listed name a device holds cannot be taken by whoever has the code: another phone asking for it
 * waits until the room's assistant or the teacher approves, and the real student stays connected.
 */
describe('claims on held names', () => {
	let t: TestApp;
	let lesson: TestLesson;
	let teacher: TestClient;
	let assistant1: TestClient;
	let assistant2: TestClient;
	const clients: TestClient[] = [];

	beforeAll(async () => {
		t = await startTestApp();
		lesson = await createLesson(t, 2);
		teacher = new TestClient(t.url, lesson.token('teacher'));
		assistant1 = new TestClient(t.url, lesson.token('assistant', 0));
		assistant2 = new TestClient(t.url, lesson.token('assistant', 1));
		await Promise.all([teacher, assistant1, assistant2].map((c) => c.joinLesson()));
		await assistant1.ok('classList.add', { names: ['Wang Fang', 'Li Lei', 'Zhou Jie', 'Free Name'] });
	});
	afterAll(async () => {
		for (const c of [teacher, assistant1, assistant2, ...clients]) c.close();
		await t.stop();
	});

	const pickOf = async (name: string, room = 0) => {
		const info = (await (await fetch(`${t.url}/api/join/${lesson.joinCode(room)}`)).json()) as JoinInfo;
		return info.students.find((s) => s.name === name)!.pick;
	};
	const post = async <T>(path: string, body: unknown) => {
		const res = await fetch(`${t.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
		return { status: res.status, body: (await res.json()) as T & { error?: { code: string; message: string } } };
	};
	const phone = async (grant: JoinGrant) => {
		const client = new TestClient(t.url, grant.token);
		clients.push(client);
		await client.joinLesson();
		return client;
	};
	/** The real student: the first phone to pick the name. */
	const holder = async (name: string) => {
		const grant = (await joinByCode(t, { code: lesson.joinCode(0), pick: await pickOf(name) })).grant!;
		return { grant, client: await phone(grant) };
	};
	const claimFor = async (body: Record<string, unknown>) => {
		const reply = await post<JoinPending>('/api/join', { code: lesson.joinCode(0), ...body });
		expect(reply.status).toBe(202);
		expect(reply.body).not.toHaveProperty('token');
		return reply.body.pending;
	};
	const withClaim = (id: string) => (list: ClassList) => list.claims.some((c) => c.id === id);
	const withoutClaim = (id: string) => (list: ClassList) => !list.claims.some((c) => c.id === id);

	it('picking or typing a held name waits for the assistant; the real student stays; approval lets the new phone in', async () => {
		const real = await holder('Wang Fang');
		const pending = await claimFor({ pick: await pickOf('Wang Fang') });
		expect(pending).toMatchObject({ claimId: expect.stringMatching(/^clm_/), name: 'Wang Fang', classroomName: 'Room 1' });
		expect(pending.expiresAt).toBeGreaterThan(Date.now() + 60_000);
		const typed = await claimFor({ name: 'WANG  fang' });

		const card = await assistant1.next('classList.updated', withClaim(pending.claimId));
		expect(card.claims.find((c) => c.id === pending.claimId)).toMatchObject({ studentId: real.grant.student.id, name: 'Wang Fang', classroomId: lesson.classroomIds[0] });
		await teacher.next('classList.updated', withClaim(typed.claimId));
		expect(assistant2.all('classList.updated').some((l) => l.claims.length > 0)).toBe(false);
		expect((await assistant1.ok('classList.get', {})).claims.map((c) => c.id)).toEqual([pending.claimId, typed.claimId]);

		// The phone waits; an assistant of another room cannot answer; this room's assistant approves.
		const waiting = post<ClaimAnswer>(JOIN_CLAIM_API, { claimId: pending.claimId, secret: pending.secret, waitMs: 10_000 });
		expect(await assistant2.send('classList.approveClaim', { claimId: pending.claimId })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		expect(real.client.all('session.replaced')).toEqual([]);
		expect(real.client.socket.connected).toBe(true);
		const approved = await assistant1.ok('classList.approveClaim', { claimId: pending.claimId });
		expect(approved.claims.map((c) => c.id)).toEqual([typed.claimId]);
		const answer = (await waiting).body;
		expect(answer.status).toBe('approved');
		const grant = (answer as Extract<ClaimAnswer, { status: 'approved' }>).grant;
		expect(grant.student).toEqual(real.grant.student);
		await teacher.next('classList.updated', withoutClaim(pending.claimId));
		expect(await assistant1.send('classList.approveClaim', { claimId: pending.claimId })).toMatchObject({ ok: false, error: { code: 'conflict' } });
		// With the approval, the new phone is that student: its device token now joins at once.
		const rejoin = await joinByCode(t, { code: lesson.joinCode(0), deviceToken: grant.deviceToken });
		expect(rejoin).toMatchObject({ status: 201, grant: { student: real.grant.student } });
		await assistant1.ok('classList.denyClaim', { claimId: typed.claimId });
	});

	it('a phone replaced while it was offline cannot take the name back: its link is refused, its device token asks again', async () => {
		await assistant1.ok('classList.add', { names: ['Offline Kid'] });
		const real = await holder('Offline Kid');
		real.client.close();
		const pending = await claimFor({ pick: await pickOf('Offline Kid') });
		await assistant1.next('classList.updated', withClaim(pending.claimId));
		await assistant1.ok('classList.approveClaim', { claimId: pending.claimId });
		const answer = (await post<ClaimAnswer>(JOIN_CLAIM_API, { claimId: pending.claimId, secret: pending.secret })).body;
		const grant = (answer as Extract<ClaimAnswer, { status: 'approved' }>).grant;
		const approved = await phone(grant);

		const back = new TestClient(t.url, real.grant.token);
		clients.push(back);
		expect(await back.refused()).toBe('session_replaced');
		expect(approved.socket.connected).toBe(true);
		expect(approved.all('session.replaced')).toEqual([]);
		expect((await post('/api/join', { code: lesson.joinCode(0), deviceToken: real.grant.deviceToken, pick: await pickOf('Offline Kid') })).status).toBe(202);
		// The approved phone's own link still works after a reload.
		const reloaded = new TestClient(t.url, grant.token);
		clients.push(reloaded);
		await reloaded.joinLesson();
		expect(await approved.next('session.replaced')).toEqual({});
		for (const claim of (await assistant1.ok('classList.get', {})).claims) await assistant1.ok('classList.denyClaim', { claimId: claim.id });
	});

	it('denial tells the waiting phone no and gives it nothing', async () => {
		const real = await holder('Li Lei');
		const pending = await claimFor({ pick: await pickOf('Li Lei') });
		const waiting = post<ClaimAnswer>(JOIN_CLAIM_API, { claimId: pending.claimId, secret: pending.secret, waitMs: 10_000 });
		await assistant1.next('classList.updated', withClaim(pending.claimId));
		await assistant1.ok('classList.denyClaim', { claimId: pending.claimId });
		expect((await waiting).body).toEqual({ status: 'denied' });
		expect((await post<ClaimAnswer>(JOIN_CLAIM_API, { claimId: pending.claimId, secret: pending.secret })).body).toEqual({ status: 'denied' });
		expect(real.client.socket.connected).toBe(true);
		expect(real.client.all('session.replaced')).toEqual([]);
	});

	it('the teacher answers claims of any room; a wrong secret learns nothing; the phone can cancel', async () => {
		await holder('Zhou Jie');
		const first = await claimFor({ pick: await pickOf('Zhou Jie') });
		await teacher.next('classList.updated', withClaim(first.claimId));
		const wrong = await post<ClaimAnswer>(JOIN_CLAIM_API, { claimId: first.claimId, secret: `${first.secret.slice(0, -2)}xx` });
		expect(wrong).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
		expect(await post(JOIN_CLAIM_CANCEL_API, { claimId: first.claimId, secret: 'x'.repeat(32) })).toMatchObject({ status: 404 });
		const approved = await teacher.ok('classList.approveClaim', { claimId: first.claimId });
		expect(approved.classroomId).toBe(lesson.classroomIds[0]);
		expect((await post<ClaimAnswer>(JOIN_CLAIM_API, { claimId: first.claimId, secret: first.secret })).body.status).toBe('approved');

		const second = await claimFor({ pick: await pickOf('Zhou Jie') });
		expect((await post<ClaimAnswer>(JOIN_CLAIM_CANCEL_API, { claimId: second.claimId, secret: second.secret })).body).toEqual({ status: 'cancelled' });
		await assistant1.next('classList.updated', withoutClaim(second.claimId));
		expect(await assistant1.send('classList.approveClaim', { claimId: second.claimId })).toMatchObject({ ok: false, error: { code: 'conflict' } });
		expect(await teacher.send('classList.denyClaim', { claimId: 'clm_nothere' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
	});

	it("the student's own device token joins at once; a free listed name joins at once and is held from then on", async () => {
		const real = await holder('Free Name');
		const own = await joinByCode(t, { code: lesson.joinCode(0), pick: await pickOf('Free Name'), deviceToken: real.grant.deviceToken });
		expect(own).toMatchObject({ status: 201, grant: { student: real.grant.student } });
		const typedOwn = await joinByCode(t, { code: lesson.joinCode(0), name: 'free name', deviceToken: real.grant.deviceToken });
		expect(typedOwn.status).toBe(201);
		// A device token of another student is no pass to this one.
		const other = (await joinByCode(t, { code: lesson.joinCode(0), name: 'Typed Kid' })).grant!;
		expect((await joinByCode(t, { code: lesson.joinCode(0), pick: await pickOf('Free Name'), deviceToken: other.deviceToken })).status).toBe(202);
	});

	it('too many waiting phones in a room are refused with a message to ask the assistant', async () => {
		await assistant1.ok('classList.add', { names: Array.from({ length: 12 }, (_, i) => `Held ${i}`) });
		for (let i = 0; i < 12; i++) await holder(`Held ${i}`);
		const open = (await assistant1.ok('classList.get', {})).claims.length;
		const replies = [];
		for (let i = 0; i < 12; i++) replies.push(await post('/api/join', { code: lesson.joinCode(0), pick: await pickOf(`Held ${i}`) }));
		const accepted = replies.filter((r) => r.status === 202).length;
		expect(open + accepted).toBe(10);
		expect(replies.at(-1)).toMatchObject({ status: 429, body: { error: { code: 'too_many_claims', message: expect.stringContaining('ask your assistant') } } });
		for (const claim of (await assistant1.ok('classList.get', {})).claims) await assistant1.ok('classList.denyClaim', { claimId: claim.id });
	});
});

describe('removing typed names', () => {
	let t: TestApp;
	let lesson: TestLesson;
	let teacher: TestClient;
	let assistant1: TestClient;
	let assistant2: TestClient;

	beforeAll(async () => {
		t = await startTestApp();
		lesson = await createLesson(t, 2);
		teacher = new TestClient(t.url, lesson.token('teacher'));
		assistant1 = new TestClient(t.url, lesson.token('assistant', 0));
		assistant2 = new TestClient(t.url, lesson.token('assistant', 1));
		await Promise.all([teacher, assistant1, assistant2].map((c) => c.joinLesson()));
	});
	afterAll(async () => {
		for (const c of [teacher, assistant1, assistant2]) c.close();
		await t.stop();
	});

	it('the assistant removes typed names of their room, the teacher of any room; listed names stay; a removed device token joins no more', async () => {
		const typed = await Promise.all(['Junk 1', 'Junk 2', 'Junk 3'].map(async (name) => (await joinByCode(t, { code: lesson.joinCode(0), name })).grant!));
		const [listed] = (await assistant1.ok('classList.add', { names: ['Real Kid'] })).students.filter((s) => s.listed);
		const ids = typed.map((g) => g.student.id);

		expect(await assistant2.send('classList.remove', { studentIds: [ids[0]!] })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		expect(await assistant1.send('classList.remove', { studentIds: [ids[0]!, listed!.id] })).toMatchObject({ ok: false, error: { code: 'conflict' } });
		expect((await assistant1.ok('classList.get', {})).students).toHaveLength(4);

		const after = await assistant1.ok('classList.remove', { studentIds: [ids[0]!, ids[1]!] });
		expect(after.students.map((s) => s.name)).toEqual(['Real Kid', 'Junk 3']);
		await teacher.next('classList.updated', (l) => l.students.length === 2);
		expect((await teacher.ok('classList.remove', { studentIds: [ids[2]!] })).students.map((s) => s.name)).toEqual(['Real Kid']);
		expect(await teacher.send('classList.remove', { studentIds: [ids[2]!] })).toMatchObject({ ok: false, error: { code: 'not_found' } });

		const revoked = await joinByCode(t, { code: lesson.joinCode(0), deviceToken: typed[0]!.deviceToken });
		expect(revoked).toMatchObject({ status: 400, error: { code: 'invalid' } });
		// Retyping on that phone makes a new entry, not the removed one back.
		const retyped = await joinByCode(t, { code: lesson.joinCode(0), name: 'Junk 1', deviceToken: typed[0]!.deviceToken });
		expect(retyped.grant?.student.id).not.toBe(ids[0]);
		// Analytics can still name the removed entry from past events.
		expect(t.app.catalog.student(ids[0]!)).toMatchObject({ name: 'Junk 1', removedAt: expect.any(Number) });
		await waitFor(() => teacher.all('classList.updated').some((l) => l.students.some((s) => s.id === retyped.grant?.student.id)) || undefined);
	});
});
