import { describe, expect, it } from 'vitest';
import { CLASSROOM_EVENT_VERSION, type ClassroomEvent, type RecordingManifest, type TimelineEntry } from '../protocol/index.ts';
import { classReplayPlan } from './classReplayPlan.ts';

const LESSON = 'les_src';
let seq = 0;
function ev(mediaMs: number, type: ClassroomEvent['type'], data: Record<string, unknown>, role: ClassroomEvent['role'] = 'teacher'): TimelineEntry {
	const event = { v: CLASSROOM_EVENT_VERSION, id: `e${++seq}`, lessonId: LESSON, at: 1000 + mediaMs, type, actor: 'x', role, classroomId: null, data } as ClassroomEvent;
	return { kind: 'event', mediaMs, event };
}
function opened(mediaMs: number, pollId: string, kind: string, extra: Record<string, unknown> = {}): TimelineEntry {
	return ev(mediaMs, 'poll.opened', {
		pollId, kind, question: `Q ${pollId}`, options: kind === 'single' || kind === 'multiple' ? ['a', 'b', 'c'] : [], anonymous: false, quiz: true,
		allowChange: true, timerSeconds: 30, prepared: true, slide: { deckId: 'd1', page: 2 }, openedAt: 0, closesAt: null, ...extra
	});
}
function answered(mediaMs: number, pollId: string, options: number[] | null, correct: boolean | null): TimelineEntry {
	return ev(mediaMs, 'poll.answered', { pollId, anonymous: false, options, value: null, textLength: null, correct }, 'student');
}
const manifest = (over: Partial<RecordingManifest> = {}): RecordingManifest => ({
	schemaVersion: 1,
	lessonId: LESSON,
	title: 'Fractions',
	teacherName: 'Ms Wang',
	classrooms: [],
	state: 'ready',
	progress: 1,
	createdAt: 0,
	endedAt: 60_000,
	durationMs: 60_000,
	parts: [],
	media: { durationMs: 50_000, program: { file: 'program.webm', bytes: 10, hasVideo: true, hasAudio: true }, screens: [{ file: 'screen-0.webm', bytes: 5, startMs: 1000, durationMs: 2000 }], gaps: [], voices: [] },
	decks: [],
	bytes: 15,
	notes: [],
	...over
});

describe('the plan of a recorded lesson taught again in class', () => {
	it('takes each recorded poll once, in time order, with its right answer, and without its timer or slide', () => {
		const plan = classReplayPlan(manifest(), [
			opened(20_000, 'p2', 'truefalse', { answerKey: false }),
			opened(5000, 'p1', 'single', { answerKey: 2 }),
			opened(7000, 'p1', 'single', { answerKey: 2 }),
			opened(70_000, 'p3', 'numeric', { answerKey: { value: 3, tolerance: 0 } })
		]);
		expect(plan).toMatchObject({ sourceLessonId: LESSON, title: 'Fractions', teacherName: 'Ms Wang', durationMs: 50_000 });
		expect(plan.program).toEqual({ file: 'program.webm', hasVideo: true, hasAudio: true });
		expect(plan.screens).toEqual([{ file: 'screen-0.webm', startMs: 1000, durationMs: 2000 }]);
		expect(plan.polls.map((p) => [p.pollId, p.mediaMs])).toEqual([['p1', 5000], ['p2', 20_000], ['p3', 50_000]]);
		expect(plan.polls[0]!.spec).toMatchObject({ kind: 'single', options: ['a', 'b', 'c'], correct: 2, timerSeconds: null, slide: null });
		expect(plan.polls[1]!.spec).toMatchObject({ kind: 'truefalse', correct: false });
		expect(plan.polls[2]!.spec).toMatchObject({ kind: 'numeric', correct: { value: 3, tolerance: 0 } });
	});

	it('older recordings: the right answer is what a right answer chose; otherwise none', () => {
		const plan = classReplayPlan(manifest(), [
			opened(1000, 'single', 'single'),
			answered(1500, 'single', [0], false),
			answered(1600, 'single', [1], true),
			opened(2000, 'tf', 'truefalse'),
			answered(2500, 'tf', [1], true),
			opened(3000, 'text', 'text'),
			answered(3500, 'text', null, true),
			opened(4000, 'poll', 'single', { quiz: false })
		]);
		expect(plan.polls.map((p) => [p.pollId, p.spec.correct])).toEqual([['single', 1], ['tf', false], ['text', null], ['poll', null]]);
	});

	it('a right answer that does not fit the poll is dropped, not the question', () => {
		const plan = classReplayPlan(manifest(), [opened(1000, 'p', 'single', { answerKey: 7 })]);
		expect(plan.polls[0]!.spec).toMatchObject({ question: 'Q p', correct: null });
	});

	it('refuses a package that is not ready', () => {
		expect(() => classReplayPlan(manifest({ state: 'finalising' }), [])).toThrow(expect.objectContaining({ code: 'conflict' }));
	});
});
