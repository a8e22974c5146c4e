import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS, Requests, type RequestName } from '../../protocol/index.ts';
import { addStudent, createLesson, startTestApp, TestClient, type TestApp, type TestLesson } from '../../app/testing/harness.ts';
import { malformedOf, validOf } from '../../core/testing/zodArbitrary.ts';
import { lessonState } from '../testing/lessonState.ts';

const ROLES = ['teacher', 'classroom', 'assistant', 'student', 'observer'] as const;
type FuzzRole = (typeof ROLES)[number];
const NAMES = Object.keys(Requests) as RequestName[];
/** Valid requests that would end the lesson or start recording for the rest of the run; their refusals are still fuzzed. */
const NOT_SENT_VALID_BY_PERMITTED = new Set<RequestName>(['lesson.end', 'recording.start']);
/** Refusals a well-formed request may get from its handler; `internal` is never one of them. */
const DOMAIN_REFUSALS = new Set(['invalid', 'forbidden', 'not_found', 'conflict', 'unavailable', 'rate_limited']);
const RUNS = { malformed: 30, valid: 15 };

/**
 * Every client→server request, from every role: generated valid payloads are allowed or refused
 * exactly as PERMISSIONS says; generated malformed payloads (wrong types, long strings, deep nesting,
 * polluting keys, numbers out of range, one broken field) are refused as `invalid` (or `forbidden`)
 * and change nothing; requests without an ack change nothing; the server stays up throughout.
 */
describe('socket fuzz: every request × every role', () => {
	let t: TestApp;
	let lesson: TestLesson;
	const clients = {} as Record<FuzzRole, TestClient>;
	const escaped: unknown[] = [];
	const onEscape = (error: unknown) => escaped.push(error);
	const counts = { malformed: 0, forbidden: 0, allowed: 0, noAck: 0, oversized: 0, unknownNames: 0 };

	beforeAll(async () => {
		process.on('unhandledRejection', onEscape);
		process.on('uncaughtException', onEscape);
		t = await startTestApp({ REQUEST_RATE_SCALE: '10000' });
		lesson = await createLesson(t, 2);
		clients.teacher = new TestClient(t.url, lesson.token('teacher'));
		clients.classroom = new TestClient(t.url, lesson.token('classroom', 0));
		clients.assistant = new TestClient(t.url, lesson.token('assistant', 0));
		clients.observer = new TestClient(t.url, lesson.token('observer'));
		clients.student = new TestClient(t.url, (await addStudent(t, lesson, 0, 'Fuzz Student')).token);
		for (const role of ROLES) await clients[role].joinLesson();
	}, 60_000);
	afterAll(async () => {
		for (const role of ROLES) clients[role].close();
		await t.stop();
		process.off('unhandledRejection', onEscape);
		process.off('uncaughtException', onEscape);
		console.log(`socket fuzz cases: ${JSON.stringify(counts)}`);
	});

	async function stillUp(): Promise<void> {
		expect(escaped).toEqual([]);
		expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
		for (const role of ROLES) expect(clients[role].socket.connected, role).toBe(true);
	}

	for (const name of NAMES) {
		it(`${name}: malformed payloads are refused and change nothing`, async () => {
			for (const role of ROLES) {
				await fc.assert(
					fc.asyncProperty(malformedOf(Requests[name]), async (payload) => {
						const before = await lessonState(t, lesson);
						const ack = await clients[role].raw(name, payload);
						counts.malformed++;
						expect(ack.ok, `${role} ${name}`).toBe(false);
						if (!ack.ok) expect(PERMISSIONS[name].includes(role) ? ['invalid'] : ['forbidden']).toContain(ack.error.code);
						expect(await lessonState(t, lesson)).toBe(before);
					}),
					{ numRuns: RUNS.malformed }
				);
			}
			await stillUp();
		});

		it(`${name}: valid payloads are refused as forbidden exactly for roles PERMISSIONS leaves out`, async () => {
			for (const role of ROLES) {
				const permitted = PERMISSIONS[name].includes(role);
				if (permitted && NOT_SENT_VALID_BY_PERMITTED.has(name)) continue;
				await fc.assert(
					fc.asyncProperty(validOf(Requests[name]), async (payload) => {
						const before = permitted ? '' : await lessonState(t, lesson);
						const ack = await clients[role].raw(name, payload);
						if (!permitted) {
							counts.forbidden++;
							expect(ack, `${role} ${name}`).toMatchObject({ ok: false, error: { code: 'forbidden' } });
							expect(await lessonState(t, lesson)).toBe(before);
						} else {
							counts.allowed++;
							if (!ack.ok) expect(DOMAIN_REFUSALS, `${role} ${name}: ${ack.error.message}`).toContain(ack.error.code);
						}
					}),
					{ numRuns: RUNS.valid }
				);
			}
			await stillUp();
		});
	}

	it('requests without an ack change nothing, whatever their payload', async () => {
		await fc.assert(
			fc.asyncProperty(fc.constantFrom(...NAMES), fc.constantFrom(...ROLES), fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined)), async (name, role, payload) => {
				const before = await lessonState(t, lesson);
				if (payload === undefined) clients[role].socket.emit(name);
				else clients[role].socket.emit(name, payload);
				counts.noAck++;
				// A request after it on the same socket is answered after it was handled.
				await clients[role].raw('poll.state', {});
				expect(await lessonState(t, lesson)).toBe(before);
			}),
			{ numRuns: 60 }
		);
		await stillUp();
	});

	it('unknown request names, own properties of Object.prototype included, are answered invalid', async () => {
		const names = fc.oneof(fc.constantFrom(...Object.getOwnPropertyNames(Object.prototype)), fc.string({ minLength: 1, maxLength: 80 })).filter((n) => !Object.hasOwn(Requests, n) && !['connect', 'disconnect', 'disconnecting', 'newListener', 'removeListener', 'connect_error'].includes(n));
		await fc.assert(
			fc.asyncProperty(names, fc.constantFrom(...ROLES), async (name, role) => {
				const before = await lessonState(t, lesson);
				const ack = await clients[role].raw(name, {});
				counts.unknownNames++;
				expect(ack).toMatchObject({ ok: false, error: { code: 'invalid' } });
				expect(await lessonState(t, lesson)).toBe(before);
			}),
			{ numRuns: 80 }
		);
		await stillUp();
	});

	it('a 1-10 MB message closes only its own socket; the lesson goes on unchanged', async () => {
		for (const mb of [1, 4, 10]) {
			const before = await lessonState(t, lesson);
			const intruder = new TestClient(t.url, lesson.token('classroom', 1));
			await intruder.joinLesson();
			const closed = new Promise<void>((resolve) => intruder.socket.once('disconnect', () => resolve()));
			intruder.socket.emit('chat.send', { text: 'x'.repeat(mb * 1024 * 1024) }, () => undefined);
			await closed;
			counts.oversized++;
			// The room's own leave (past the grace) is not a change the message made.
			expect(await lessonState(t, lesson)).not.toContain('x'.repeat(1000));
			expect(JSON.parse(await lessonState(t, lesson)).chat).toEqual(JSON.parse(before).chat);
		}
		await stillUp();
	});
});
