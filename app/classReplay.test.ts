import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	CLASS_REPLAYS_API,
	classReplaySurfacePath,
	type ClassReplaySurface,
	type LessonLinks,
	type LessonRecord,
	type LessonSnapshot
} from '../protocol/index.ts';
import { addStudent, createLesson, startTestApp, TestClient, waitFor, type TestApp, type TestLesson } from './testing/harness.ts';
import { MARKS, STUDENT_NAME, writeLessonFixture } from '../recorder/packages/testing/lessonFixture.ts';

const POLL_AT_MS = 1200;

/**
 * A recorded lesson taught again in class, on a real server with real socket.io clients: the
 * server plays, stops at the recorded quiz and opens it to the room's phones under the recorded
 * poll's id; the assistant continues, pauses, seeks and runs their own quick poll; nobody else can.
 */
describe('replayed session', () => {
	let t: TestApp;
	let source: TestLesson;
	let replay: { lesson: LessonRecord; links: LessonLinks };
	let assistant: TestClient;
	let room: TestClient;
	let student: TestClient;
	let studentToken: string;
	const clients: TestClient[] = [];
	const adminToken = () => new URL(t.app.adminUrl).searchParams.get('token') ?? '';
	const post = (body: unknown) =>
		fetch(`${t.url}${CLASS_REPLAYS_API}`, { method: 'POST', headers: { authorization: `Bearer ${adminToken()}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
	const tokenOf = (link: string) => new URL(link).searchParams.get('t') ?? '';
	const snap = (c: TestClient): LessonSnapshot => c.latestSnapshot() as LessonSnapshot;

	beforeAll(async () => {
		t = await startTestApp();
		source = await createLesson(t, 2);
		await writeLessonFixture(t.dataDir, source.lesson.id, {
			seconds: 4,
			title: 'Fractions 分数',
			poll: { pollId: 'pol_recorded1', question: 'Which is bigger?', options: ['1/2', '1/3'], correct: 0, mediaMs: POLL_AT_MS }
		});
		const res = await post({ sourceLessonId: source.lesson.id, classroomId: source.classroomIds[1] });
		expect(res.status).toBe(201);
		replay = (await res.json()) as typeof replay;
		const entry = replay.links.classrooms[0]!;
		assistant = new TestClient(t.url, tokenOf(entry.assistant));
		room = new TestClient(t.url, tokenOf(entry.room));
		const test = { lesson: replay.lesson, links: replay.links, classroomIds: replay.lesson.classroomIds } as unknown as TestLesson;
		studentToken = (await addStudent(t, test, 0, 'Wang Fang')).token;
		student = new TestClient(t.url, studentToken);
		clients.push(assistant, room, student);
		for (const c of clients) await c.joinLesson();
	}, 60_000);
	afterAll(async () => {
		for (const c of clients) c.close();
		await t.stop();
	});

	it('is a lesson of its own for one room, titled as the recording, paused at the start', () => {
		expect(replay.lesson).toMatchObject({ replayOf: source.lesson.id, title: 'Fractions 分数', teacherName: 'Ms Wang', classroomIds: [source.classroomIds[1]] });
		const info = snap(room).replay!;
		expect(info.playback).toMatchObject({ status: 'paused', positionMs: 0, waitingPollId: null });
		expect(info.polls).toEqual([{ pollId: 'pol_recorded1', mediaMs: POLL_AT_MS, question: 'Which is bigger?', opened: false }]);
		expect(info.media?.program?.src).toMatch(new RegExp(`^/api/recordings/${source.lesson.id}/files/media/program\\.webm\\?m=`));
		// Phones get no media links, and no questions before they open.
		expect(snap(student).replay).toMatchObject({ media: null, polls: [], playback: { status: 'paused' } });
	});

	it('the room screen can fetch the recorded media with the link it was given', async () => {
		const res = await fetch(`${t.url}${snap(room).replay!.media!.program!.src}`, { headers: { range: 'bytes=0-99' } });
		expect(res.status).toBe(206);
		expect((await res.arrayBuffer()).byteLength).toBe(100);
	});

	it('gives the room screen and the assistant the recorded slides and board, and nothing else of the recording', async () => {
		const surfaceOf = (lessonId: string, token?: string) =>
			fetch(`${t.url}${classReplaySurfacePath(lessonId)}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
		const entry = replay.links.classrooms[0]!;
		for (const link of [entry.room, entry.assistant]) {
			const res = await surfaceOf(replay.lesson.id, tokenOf(link));
			expect(res.status).toBe(200);
			const text = await res.text();
			// The recording's chat line and the student who wrote it stay in the package.
			expect(text).not.toContain(STUDENT_NAME);
			expect(text).not.toContain('three quarters');
			expect(text).not.toContain('participant.joined');
			const surface = JSON.parse(text) as ClassReplaySurface;
			expect(Object.keys(surface).sort()).toEqual(['boards', 'decks', 'durationMs', 'sourceLessonId', 'views']);
			expect(surface).toMatchObject({ sourceLessonId: source.lesson.id, durationMs: 4000 });
			expect(surface.views).toEqual([
				{ mediaMs: 0, view: { kind: 'deck', deckId: 'deck1', page: 1 } },
				{ mediaMs: MARKS.page2, view: { kind: 'deck', deckId: 'deck1', page: 2 } }
			]);
			expect(surface.boards.map((b) => b.boardId)).toEqual(['d_deck1_1', 'd_deck1_2']);
			expect(surface.decks).toEqual([{ deckId: 'deck1', pageCount: 2, src: expect.stringMatching(new RegExp(`^/api/recordings/${source.lesson.id}/files/decks/deck1\\.pdf\\?m=`)) }]);
			const pdf = await fetch(`${t.url}${surface.decks[0]!.src}`);
			expect(pdf.status).toBe(200);
			expect(pdf.headers.get('content-type')).toBe('application/pdf');
		}
		expect((await surfaceOf(replay.lesson.id)).status).toBe(401);
		expect((await surfaceOf(replay.lesson.id, 'not-a-token')).status).toBe(401);
		expect((await surfaceOf(replay.lesson.id, adminToken())).status).toBe(401);
		// Other roles of the same session, and the rooms of another lesson, are refused.
		expect((await surfaceOf(replay.lesson.id, tokenOf(replay.links.teacher))).status).toBe(403);
		expect((await surfaceOf(replay.lesson.id, tokenOf(replay.links.observer))).status).toBe(403);
		expect((await surfaceOf(replay.lesson.id, studentToken)).status).toBe(403);
		expect((await surfaceOf(replay.lesson.id, source.token('classroom', 1))).status).toBe(403);
		// A live lesson's own room has nothing recorded to show; a malformed id changes nothing.
		expect((await surfaceOf(source.lesson.id, source.token('classroom', 1))).status).toBe(409);
		expect((await surfaceOf('bad%20id!', tokenOf(entry.room))).status).toBe(400);
	});

	it('refuses who may not drive it and what is not a replay', async () => {
		expect(await student.send('replay.control', { action: 'play' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		expect(await room.send('replay.control', { action: 'play' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		expect(await assistant.send('replay.control', { action: 'seek', positionMs: -5 } as never)).toMatchObject({ ok: false, error: { code: 'invalid' } });
		const liveAssistant = new TestClient(t.url, source.token('assistant', 0));
		clients.push(liveAssistant);
		await liveAssistant.joinLesson();
		expect(await liveAssistant.send('replay.control', { action: 'play' })).toMatchObject({ ok: false, error: { code: 'conflict' } });
		expect(await liveAssistant.send('poll.open', { spec: { kind: 'truefalse', question: 'Ready?' } })).toMatchObject({ ok: false, error: { code: 'conflict' } });
		expect((await post({ sourceLessonId: 'les_missing', classroomId: source.classroomIds[0] })).status).toBe(404);
		expect((await post({ sourceLessonId: source.lesson.id, classroomId: 'cls_missing' })).status).toBe(404);
		expect((await post({ sourceLessonId: source.lesson.id })).status).toBe(400);
		expect(snap(room).replay!.playback.status).toBe('paused');
	});

	it('stops at the recorded quiz and opens it to the phones under the recorded id', async () => {
		const started = Date.now();
		const playing = await assistant.ok('replay.control', { action: 'play' });
		expect(playing.status).toBe('playing');
		const stopped = await waitFor(() => {
			const s = snap(room);
			return s.replay?.playback.reason === 'poll' ? s : undefined;
		}, 8000, 'the playback to stop at the quiz');
		expect(Date.now() - started).toBeGreaterThanOrEqual(POLL_AT_MS - 100);
		expect(stopped.replay!.playback).toMatchObject({ status: 'paused', positionMs: POLL_AT_MS, waitingPollId: 'pol_recorded1' });
		expect(stopped.poll).toMatchObject({ id: 'pol_recorded1', status: 'open', question: 'Which is bigger?', options: ['1/2', '1/3'] });
		await waitFor(() => (snap(student).poll?.id === 'pol_recorded1' ? true : undefined), 5000, 'the phone to see the quiz');
		expect(await student.ok('poll.answer', { pollId: 'pol_recorded1', answer: { kind: 'single', option: 0 } })).toMatchObject({ outcome: 'new' });
		const opened = t.events.find((e) => e.type === 'poll.opened' && e.lessonId === replay.lesson.id);
		expect(opened?.data).toMatchObject({ pollId: 'pol_recorded1', quiz: true, replayed: true, answerKey: 0 });
		const answered = t.events.find((e) => e.type === 'poll.answered' && e.lessonId === replay.lesson.id);
		expect(answered?.data).toMatchObject({ pollId: 'pol_recorded1', correct: true });
	});

	it('continues (closing the quiz), pauses, rewinds without opening the quiz again, and ends', async () => {
		const resumed = await assistant.ok('replay.control', { action: 'play' });
		expect(resumed).toMatchObject({ status: 'playing', positionMs: POLL_AT_MS, waitingPollId: null });
		expect((await assistant.ok('poll.state', {})).current).toMatchObject({ id: 'pol_recorded1', status: 'closed' });
		const paused = await assistant.ok('replay.control', { action: 'pause' });
		expect(paused.status).toBe('paused');
		expect(paused.positionMs).toBeGreaterThanOrEqual(POLL_AT_MS);
		const rewound = await assistant.ok('replay.control', { action: 'seek', positionMs: 0 });
		expect(rewound).toMatchObject({ status: 'paused', positionMs: 0 });
		await assistant.ok('replay.control', { action: 'play' });
		const ended = await waitFor(() => (snap(room).replay?.playback.status === 'ended' ? snap(room) : undefined), 10_000, 'the end');
		expect(ended.replay!.polls[0]!.opened).toBe(true);
		const opens = t.events.filter((e) => e.type === 'poll.opened' && e.lessonId === replay.lesson.id);
		expect(opens).toHaveLength(1);
		const changes = t.events.filter((e) => e.type === 'playback.changed' && e.lessonId === replay.lesson.id).map((e) => (e.data as { reason: string }).reason);
		expect(changes).toEqual(['assistant', 'poll', 'assistant', 'assistant', 'assistant', 'assistant', 'end']);
	});

	it('the assistant raises their own quick poll; the phone answers it', async () => {
		const quick = await assistant.ok('poll.open', { spec: { kind: 'truefalse', question: 'Did you follow?' } });
		await waitFor(() => (snap(student).poll?.id === quick.id ? true : undefined), 5000, 'the quick poll on the phone');
		await student.ok('poll.answer', { pollId: quick.id, answer: { kind: 'truefalse', value: true } });
		expect((await assistant.ok('poll.close', { pollId: quick.id })).status).toBe('closed');
		expect((await assistant.ok('poll.reveal', { pollId: quick.id })).revealedAt).not.toBeNull();
		await assistant.ok('poll.dismiss', { pollId: quick.id });
	});

	it('keeps the playback in the lesson store: a session released when everyone left resumes where it was', async () => {
		await assistant.ok('replay.control', { action: 'seek', positionMs: 3000 });
		expect(await t.app.store.playback(replay.lesson.id)).toMatchObject({ status: 'paused', positionMs: 3000, reason: 'assistant' });
		for (const c of clients) c.close();
		await waitFor(() => (t.app.signalling.sessions.get(replay.lesson.id) ? undefined : true), 15_000, 'the idle session to be released');
		const again = new TestClient(t.url, tokenOf(replay.links.classrooms[0]!.assistant));
		clients.push(again);
		await again.joinLesson();
		expect(again.join!.lesson.replay).toMatchObject({ playback: { status: 'paused', positionMs: 3000 }, polls: [{ pollId: 'pol_recorded1', opened: true }] });
	});
});
