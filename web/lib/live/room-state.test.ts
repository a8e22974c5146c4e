import { describe, expect, it } from 'vitest';
import { EMPTY_SURFACE, RECORDING_OFF, type ChatMessage, type LessonSnapshot } from '$protocol';
import { RoomState } from './room-state.svelte.ts';

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

describe('RoomState', () => {
	it('keeps the newest snapshot and drops stale ones', () => {
		const room = new RoomState();
		room.applySnapshot(snapshot(3));
		room.applySnapshot(snapshot(5));
		room.applySnapshot(snapshot(4));
		expect(room.snapshot?.version).toBe(5);
	});

	it('takes the first snapshot of a rejoin even if older (server restarted)', () => {
		const room = new RoomState();
		room.applySnapshot(snapshot(40));
		room.beginJoin();
		room.applySnapshot(snapshot(2));
		expect(room.snapshot?.version).toBe(2);
		room.applySnapshot(snapshot(1));
		expect(room.snapshot?.version).toBe(2);
	});

	it('orders hands by raise time', () => {
		const room = new RoomState();
		const hand = (participantId: string, raisedAt: number) => ({
			participantId,
			classroomId: 'c1',
			role: 'classroom' as const,
			displayName: participantId,
			raisedAt
		});
		room.applySnapshot(snapshot(1, { hands: [hand('b', 20), hand('a', 10)] }));
		expect(room.hands.map((h) => h.participantId)).toEqual(['a', 'b']);
		expect(room.handsIn('c1')).toHaveLength(2);
	});

	it('merges chat history with live messages without duplicates', () => {
		const room = new RoomState();
		room.addChat(message('m3', 30));
		room.resetChat([message('m1', 10), message('m3', 30), message('m2', 20)]);
		room.addChat(message('m2', 20));
		expect(room.chat.map((m) => m.id)).toEqual(['m1', 'm2', 'm3']);
	});
});
