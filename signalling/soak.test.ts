import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../protocol/index.ts';
import { addStudent, createLesson, startTestApp, TestClient, waitFor, type TestApp, type TestLesson } from '../app/testing/harness.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const CYCLES = 1000;
const ROLES = ['teacher', 'classroom', 'assistant', 'student', 'observer'] as const satisfies readonly Role[];

/** Heap in use after full collections, once it has stopped falling. */
async function settledHeap(): Promise<number> {
	let last = Number.POSITIVE_INFINITY;
	for (let i = 0; i < 6; i++) {
		gc();
		await new Promise((r) => setTimeout(r, 100));
		const used = process.memoryUsage().heapUsed;
		if (used >= last * 0.995) return used;
		last = used;
	}
	return last;
}

/**
 * Reconnect storms of every role: joins and leaves, a thousand of each, and the heap comes back to
 * where it was. A participant, socket, timer or limiter kept per connection would show up here.
 */
describe('join/leave soak', () => {
	let t: TestApp;
	let lesson: TestLesson;
	let anchor: TestClient;
	const tokens = {} as Record<(typeof ROLES)[number], string>;
	beforeAll(async () => {
		// Rates would (rightly) refuse a thousand joins in seconds; this measures memory, not limits.
		t = await startTestApp({ REQUEST_RATE_SCALE: '10000', RECONNECT_GRACE_MS: '1000' });
		lesson = await createLesson(t, 2);
		tokens.teacher = lesson.token('teacher');
		tokens.classroom = lesson.token('classroom', 0);
		tokens.assistant = lesson.token('assistant', 0);
		tokens.observer = lesson.token('observer');
		tokens.student = (await addStudent(t, lesson, 0, 'Soak Student')).token;
		// Someone stays all along, so the lesson's session lives through the storms.
		anchor = new TestClient(t.url, lesson.token('classroom', 1));
		await anchor.joinLesson();
	}, 60_000);
	afterAll(async () => {
		anchor.close();
		await t.stop();
	});

	/** One identity at a time: a second connection of the same link would replace the first. */
	async function storm(role: (typeof ROLES)[number], cycles: number): Promise<void> {
		for (let i = 0; i < cycles; i++) {
			const client = new TestClient(t.url, tokens[role]);
			await client.joinLesson();
			client.close();
		}
	}

	async function quiet(): Promise<void> {
		// Past the reconnect grace: every leave has been processed.
		await new Promise((r) => setTimeout(r, 1500));
		await waitFor(() => (t.app.signalling.sessions.get(lesson.lesson.id)?.peers.size === 1 ? true : undefined), 10_000, 'only the anchor left');
		// What the test itself keeps (events seen, the anchor's notifications) is not the server's.
		t.events.length = 0;
		anchor.received.length = 0;
	}

	it(`${CYCLES} join/leave cycles per role leave the heap within 10 % of where it started`, async () => {
		for (const role of ROLES) await storm(role, 100);
		await quiet();
		const before = await settledHeap();
		const started = Date.now();
		for (const role of ROLES) await storm(role, CYCLES);
		const stormMs = Date.now() - started;
		await quiet();
		const after = await settledHeap();
		const mb = (n: number) => Math.round((n / 1048576) * 10) / 10;
		console.log(`soak: ${CYCLES * ROLES.length} joins in ${stormMs} ms; heap after GC ${mb(before)} MB → ${mb(after)} MB (${Math.round((after / before - 1) * 1000) / 10} %)`);
		expect(after).toBeLessThanOrEqual(before * 1.1);
		// One entry per identity (the anchor, teacher, room, assistant, student); none per observer connection.
		const kept = await t.app.store.participants(lesson.lesson.id);
		expect(kept.map((p) => p.role).sort()).toEqual(['assistant', 'classroom', 'classroom', 'student', 'teacher']);
	}, 240_000);
});
