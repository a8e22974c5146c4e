import { describe, expect, it } from 'vitest';
import { EMPTY_SURFACE, RECORDING_OFF, type ChatMessage, type LessonSnapshot } from '$protocol';
import { LessonState } from './lesson-state.svelte.ts';

const snapshot = (version: number, patch: Partial<LessonSnapshot> = {}): LessonSnapshot => ({
	lessonId: 'les_1',
	title: 'Fractions',
	teacherName: 'Ms. Wang',
	version,
	serverTime: 0,
	classrooms: [],
	stageClassroomId: null,
	hands: [],
	chatMuted: false,
	participants: [],
	audioOnlyClassroomIds: [],
	tracks: [],
	surface: EMPTY_SURFACE,
	studentChat: 'off',
	poll: null,
	recording: RECORDING_OFF,
	...patch
});

const message = (id: string, at: number): ChatMessage => ({
	id,
	participantId: 'p',
	role: 'teacher',
	classroomId: null,
	displayName: 'T',
	text: id,
	at
});

describe('LessonState', () => {
	it('keeps the newest snapshot and drops stale ones', () => {
		const lesson = new LessonState();
		lesson.applySnapshot(snapshot(3));
		lesson.applySnapshot(snapshot(5));
		lesson.applySnapshot(snapshot(4));
		expect(lesson.snapshot?.version).toBe(5);
	});

	it('takes the first snapshot of a rejoin even if older (server restarted)', () => {
		const lesson = new LessonState();
		lesson.applySnapshot(snapshot(40));
		lesson.beginJoin();
		lesson.applySnapshot(snapshot(2));
		expect(lesson.snapshot?.version).toBe(2);
		lesson.applySnapshot(snapshot(1));
		expect(lesson.snapshot?.version).toBe(2);
	});

	it('orders hands by raise time', () => {
		const lesson = new LessonState();
		const hand = (participantId: string, raisedAt: number) => ({
			participantId,
			classroomId: 'c1',
			role: 'classroom' as const,
			displayName: participantId,
			raisedAt
		});
		lesson.applySnapshot(snapshot(1, { hands: [hand('b', 20), hand('a', 10)] }));
		expect(lesson.hands.map((h) => h.participantId)).toEqual(['a', 'b']);
		expect(lesson.handsIn('c1')).toHaveLength(2);
	});

	it('merges chat history with live messages without duplicates', () => {
		const lesson = new LessonState();
		lesson.addChat(message('m3', 30));
		lesson.resetChat([message('m1', 10), message('m3', 30), message('m2', 20)]);
		lesson.addChat(message('m2', 20));
		expect(lesson.chat.map((m) => m.id)).toEqual(['m1', 'm2', 'm3']);
	});
});
