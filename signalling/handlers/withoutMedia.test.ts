import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LessonSnapshot } from '../../protocol/index.ts';
import { fakeLesson, type FakeLesson } from '../testing/fakeLesson.ts';

/** Handlers that need no media, driven through the HANDLERS dispatch on a lesson without a worker. */
describe('handlers without media', () => {
	let lesson: FakeLesson;
	beforeEach(async () => {
		lesson = await fakeLesson(2);
	});
	afterEach(async () => {
		await lesson.close();
	});
	const lessonId = () => lesson.session.lessonId;
	const teacherSnapshots = () =>
		lesson.channel.sent
			.filter((s) => s.name === 'lesson.snapshot' && 'audiences' in s.to && s.to.audiences.includes(lesson.session.roleAudience('teacher')))
			.map((s) => s.payload as LessonSnapshot);

	it('a chat message is stored, sent to the whole lesson and published', async () => {
		const teacher = await lesson.peer('teacher');
		const message = await lesson.request(teacher, 'chat.send', { text: 'Open page 12' });
		expect(await lesson.store.chat(lessonId(), 10)).toEqual([message]);
		expect(lesson.channel.sent).toContainEqual({ to: { lesson: true }, name: 'chat.message', payload: message });
		expect(lesson.events.filter((e) => e.type === 'chat.sent').map((e) => e.data)).toEqual([{ messageId: message.id, length: 12, text: 'Open page 12', displayName: message.displayName }]);
	});

	it('a raised hand queues once, shows in the teacher snapshot, and the teacher lowers it', async () => {
		const teacher = await lesson.peer('teacher');
		const room = await lesson.peer('classroom', 1);
		await lesson.request(room, 'hand.raise', {});
		await lesson.request(room, 'hand.raise', {});
		expect((await lesson.store.hands(lessonId())).map((h) => h.participantId)).toEqual([room.id]);
		// The snapshot broadcast is coalesced and reads the surface from disk: it comes a little later.
		await vi.waitFor(() => expect(teacherSnapshots().at(-1)?.hands.map((h) => h.classroomId)).toEqual([lesson.classroomIds[1]]));
		await lesson.request(teacher, 'hand.lower', { participantId: room.id });
		expect(await lesson.store.hands(lessonId())).toEqual([]);
		await vi.waitFor(() => expect(teacherSnapshots().at(-1)?.hands).toEqual([]));
		expect(lesson.events.filter((e) => e.type.startsWith('hand.')).map((e) => e.type)).toEqual(['hand.raised', 'hand.lowered']);
	});

	it('a poll opens, takes a student answer and closes with its results', async () => {
		const teacher = await lesson.peer('teacher');
		const student = await lesson.peer('student', 0);
		const poll = await lesson.request(teacher, 'poll.open', { spec: { kind: 'single', question: 'Which is larger?', options: ['1/2', '1/3'], correct: 0 } });
		expect((await lesson.store.liveState(lessonId())).currentPollId).toBe(poll.id);
		await lesson.request(student, 'poll.answer', { pollId: poll.id, answer: { kind: 'single', option: 0 } });
		expect(await lesson.store.pollAnswers(lessonId(), poll.id)).toHaveLength(1);
		await lesson.request(teacher, 'poll.close', { pollId: poll.id });
		expect((await lesson.store.poll(lessonId(), poll.id))?.status).toBe('closed');
		const closed = lesson.events.find((e) => e.type === 'poll.closed' && e.data.pollId === poll.id);
		expect(closed?.type === 'poll.closed' && closed.data.results).toMatchObject({ status: 'closed', answered: 1, counts: [1, 0] });
		const types = lesson.events.filter((e) => (e.data as { pollId?: string }).pollId === poll.id).map((e) => e.type);
		expect(types).toEqual(expect.arrayContaining(['poll.opened', 'poll.answered', 'poll.closed']));
		await vi.waitFor(() => expect(lesson.channel.named('polls.results').some((r) => r.view === 'full' && r.results.status === 'closed')).toBe(true));
	});

	it('refuses a request the role may not make, changing nothing', async () => {
		const room = await lesson.peer('classroom', 0);
		const joined = lesson.events.length; // the room's own participant.joined
		await expect(lesson.request(room, 'chat.setMuted', { muted: true })).rejects.toMatchObject({ code: 'forbidden' });
		await expect(lesson.request(room, 'poll.open', { spec: { kind: 'single', question: 'Q?', options: ['a', 'b'] } })).rejects.toMatchObject({ code: 'forbidden' });
		expect((await lesson.store.liveState(lessonId())).chatMuted).toBe(false);
		expect(lesson.events.slice(joined)).toEqual([]);
	});

	it('never starts a media worker', async () => {
		await expect(lesson.session.media()).rejects.toMatchObject({ code: 'unavailable' });
	});
});
