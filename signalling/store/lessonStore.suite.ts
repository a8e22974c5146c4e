import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ChatMessage, HandEntry, Participant } from '../protocol/index.ts';
import type { LessonStore } from './LessonStore.ts';

const hand = (participantId: string, raisedAt: number, classroomId = 'cls_a'): HandEntry => ({
	participantId,
	classroomId,
	role: 'classroom',
	displayName: participantId,
	raisedAt
});
const message = (text: string, at: number): ChatMessage => ({ id: randomUUID(), participantId: 'p1', role: 'teacher', classroomId: null, displayName: 'T', text, at });

/** The contract every LessonStore keeps; run against each implementation. */
export function lessonStoreSuite(name: string, open: () => LessonStore): void {
	describe(`LessonStore contract: ${name}`, () => {
		const lessonId = () => `les_${randomUUID().slice(0, 8)}`;

		it('starts empty with defaults', async () => {
			const store = open();
			const id = lessonId();
			expect(await store.liveState(id)).toEqual({ stageClassroomId: null, chatMuted: false, audioOnlyClassroomIds: [], version: 0 });
			expect(await store.hands(id)).toEqual([]);
			expect(await store.chat(id, 10)).toEqual([]);
			expect(await store.participants(id)).toEqual([]);
		});

		it('swaps the stage and returns the previous one', async () => {
			const store = open();
			const id = lessonId();
			expect(await store.setStage(id, 'cls_a')).toBeNull();
			expect(await store.setStage(id, 'cls_b')).toBe('cls_a');
			expect(await store.setStage(id, null)).toBe('cls_b');
			expect((await store.liveState(id)).stageClassroomId).toBeNull();
		});

		it('reports whether chat mute and audio-only changed', async () => {
			const store = open();
			const id = lessonId();
			expect(await store.setChatMuted(id, true)).toBe(true);
			expect(await store.setChatMuted(id, true)).toBe(false);
			expect(await store.setAudioOnly(id, 'cls_b', true)).toBe(true);
			expect(await store.setAudioOnly(id, 'cls_a', true)).toBe(true);
			expect(await store.setAudioOnly(id, 'cls_a', true)).toBe(false);
			expect(await store.liveState(id)).toMatchObject({ chatMuted: true, audioOnlyClassroomIds: ['cls_a', 'cls_b'] });
			expect(await store.setAudioOnly(id, 'cls_a', false)).toBe(true);
			expect((await store.liveState(id)).audioOnlyClassroomIds).toEqual(['cls_b']);
		});

		it('keeps one hand per participant, oldest first, and lowers exactly once', async () => {
			const store = open();
			const id = lessonId();
			expect(await store.raiseHand(id, hand('p2', 200))).toBe(true);
			expect(await store.raiseHand(id, hand('p1', 100))).toBe(true);
			expect(await store.raiseHand(id, hand('p2', 300))).toBe(false);
			expect((await store.hands(id)).map((h) => [h.participantId, h.raisedAt])).toEqual([
				['p1', 100],
				['p2', 200]
			]);
			expect(await store.lowerHand(id, 'p1')).toEqual(hand('p1', 100));
			expect(await store.lowerHand(id, 'p1')).toBeNull();
			expect((await store.hands(id)).map((h) => h.participantId)).toEqual(['p2']);
		});

		it('keeps the newest chat messages in order', async () => {
			const store = open();
			const id = lessonId();
			for (let i = 0; i < 7; i++) await store.appendChat(id, message(`m${i}`, i), 5);
			expect((await store.chat(id, 10)).map((m) => m.text)).toEqual(['m2', 'm3', 'm4', 'm5', 'm6']);
			expect((await store.chat(id, 2)).map((m) => m.text)).toEqual(['m5', 'm6']);
		});

		it('upserts participants and bumps versions monotonically', async () => {
			const store = open();
			const id = lessonId();
			const p: Participant = { id: 'room-1', role: 'classroom', classroomId: 'cls_a', displayName: 'Room 1', online: true, joinedAt: 5 };
			await store.putParticipant(id, p);
			await store.putParticipant(id, { ...p, online: false });
			expect(await store.participants(id)).toEqual([{ ...p, online: false }]);
			const a = await store.bumpVersion(id);
			const b = await store.bumpVersion(id);
			expect(b).toBe(a + 1);
		});

		it('keeps lessons apart and clears one', async () => {
			const store = open();
			const a = lessonId();
			const b = lessonId();
			await store.setStage(a, 'cls_a');
			await store.raiseHand(b, hand('p9', 1));
			expect((await store.liveState(b)).stageClassroomId).toBeNull();
			await store.clearLesson(a);
			expect((await store.liveState(a)).stageClassroomId).toBeNull();
			expect(await store.hands(b)).toHaveLength(1);
		});

		it('keeps the surface state as a copy and clears it with the lesson', async () => {
			const store = open();
			const id = lessonId();
			expect(await store.surface(id)).toBeNull();
			const surface = { view: { kind: 'deck' as const, deckId: 'dk1', page: 3 }, blankBoards: [], deckPages: { dk1: 3 }, drawers: ['room-a'] };
			await store.setSurface(id, surface);
			surface.drawers.push('mutated-after-save');
			expect(await store.surface(id)).toEqual({ ...surface, drawers: ['room-a'] });
			await store.clearLesson(id);
			expect(await store.surface(id)).toBeNull();
		});
	});
}
