import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLesson, startTestApp, TestClient } from '../../app/testing/harness.ts';

describe('prepared polls', () => {
	it('outlive a restart of a server on the memory store; opened and discarded ones do not come back as drafts', async () => {
		const dataDir = await mkdtemp(path.join(tmpdir(), 'cb-drafts-'));
		let t = await startTestApp({}, dataDir);
		const lesson = await createLesson(t, 1);
		let teacher = new TestClient(t.url, lesson.token('teacher'));
		await teacher.joinLesson();
		const keep = await teacher.ok('poll.prepare', { spec: { kind: 'truefalse', question: 'Is 2/4 the same as 1/2?', correct: true } });
		const gone = await teacher.ok('poll.prepare', { spec: { kind: 'numeric', question: 'How many quarters make a whole?' } });
		const opened = await teacher.ok('poll.prepare', { spec: { kind: 'single', question: 'Pick one', options: ['a', 'b'] } });
		await teacher.ok('poll.discard', { pollId: gone.id });
		await teacher.ok('poll.open', { pollId: opened.id });
		teacher.close();
		await t.stop();

		t = await startTestApp({}, dataDir);
		teacher = new TestClient(t.url, lesson.token('teacher'));
		await teacher.joinLesson();
		const state = await teacher.ok('poll.state', {});
		expect((state.polls ?? []).map((p) => [p.id, p.status, p.spec.question])).toEqual([[keep.id, 'draft', 'Is 2/4 the same as 1/2?']]);
		await teacher.ok('poll.open', { pollId: keep.id });
		teacher.close();
		await t.stop();
		await rm(dataDir, { recursive: true, force: true });
	});
});
