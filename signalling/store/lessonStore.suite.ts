import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ChatMessage, HandEntry, Participant, PollSpec } from '../../protocol/index.ts';
import type { LessonStore, StoredAnswer, StoredPoll } from './LessonStore.ts';

const hand = (participantId: string, raisedAt: number, classroomId = 'cls_a'): HandEntry => ({
	participantId,
	classroomId,
	role: 'classroom',
	displayName: participantId,
	raisedAt
});
const spec = (patch: Partial<PollSpec> = {}): PollSpec =>
	({ kind: 'single', question: 'Which?', options: ['a', 'b', 'c'], correct: 1, timerSeconds: null, anonymous: false, allowChange: true, slide: null, ...patch }) as PollSpec;
const draft = (id: string, patch: Partial<PollSpec> = {}): StoredPoll => ({
	id,
	spec: spec(patch),
	status: 'draft',
	prepared: true,
	createdAt: 1,
	openedAt: null,
	closesAt: null,
	closedAt: null,
	closedBy: null,
	revealedAt: null,
	anonKey: null,
	results: null
});
const vote = (voter: string, option: number, classroomId = 'cls_a'): StoredAnswer => ({ voter, classroomId, answer: { kind: 'single', option } });
const message = (text: string, at: number): ChatMessage => ({ id: randomUUID(), participantId: 'p1', role: 'teacher', classroomId: null, displayName: 'T', text, at });

/** The contract every LessonStore keeps; run against each implementation. */
export function lessonStoreSuite(name: string, open: () => LessonStore): void {
	describe(`LessonStore contract: ${name}`, () => {
		const lessonId = () => `les_${randomUUID().slice(0, 8)}`;

		it('starts empty with defaults', async () => {
			const store = open();
			const id = lessonId();
			expect(await store.liveState(id)).toEqual({
				stageClassroomId: null,
				chatMuted: false,
				audioOnlyClassroomIds: [],
				version: 0,
				studentChat: 'off',
				currentPollId: null
			});
			expect(await store.polls(id)).toEqual([]);
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

		it('keeps a replayed session\'s playback as a copy and clears it with the lesson', async () => {
			const store = open();
			const id = lessonId();
			expect(await store.playback(id)).toBeNull();
			const playback = { status: 'playing' as const, positionMs: 2500, at: 1_700_000_000_000, reason: 'assistant' as const, waitingPollId: null };
			await store.setPlayback(id, playback);
			playback.positionMs = 9;
			expect(await store.playback(id)).toEqual({ ...playback, positionMs: 2500 });
			await store.clearLesson(id);
			expect(await store.playback(id)).toBeNull();
		});

		it('switches student chat and reports changes', async () => {
			const store = open();
			const id = lessonId();
			expect(await store.setStudentChat(id, 'off')).toBe(false);
			expect(await store.setStudentChat(id, 'questions')).toBe(true);
			expect(await store.setStudentChat(id, 'questions')).toBe(false);
			expect((await store.liveState(id)).studentChat).toBe('questions');
		});

		it('keeps drafts in order, replaces and deletes them, and never touches an opened poll that way', async () => {
			const store = open();
			const id = lessonId();
			expect(await store.saveDraft(id, draft('pol_1'))).toBe(true);
			expect(await store.saveDraft(id, draft('pol_2', { question: 'Second?' }))).toBe(true);
			expect(await store.saveDraft(id, draft('pol_1', { question: 'First, edited?' }))).toBe(true);
			expect((await store.polls(id)).map((p) => [p.id, p.spec.question])).toEqual([
				['pol_1', 'First, edited?'],
				['pol_2', 'Second?']
			]);
			expect(await store.poll(id, 'pol_1')).toEqual(draft('pol_1', { question: 'First, edited?' }));
			expect(await store.deleteDraft(id, 'pol_2')).toBe(true);
			expect(await store.deleteDraft(id, 'pol_2')).toBe(false);
			expect(await store.openPoll(id, 'pol_1', { openedAt: 10, closesAt: null, anonKey: null })).toBe('opened');
			expect(await store.saveDraft(id, draft('pol_1'))).toBe(false);
			expect(await store.deleteDraft(id, 'pol_1')).toBe(false);
			expect((await store.polls(id)).map((p) => p.id)).toEqual(['pol_1']);
		});

		it('opens one poll at a time, closes it once, reveals it once, and dismisses it only when closed', async () => {
			const store = open();
			const id = lessonId();
			await store.saveDraft(id, draft('pol_a'));
			await store.saveDraft(id, draft('pol_b'));
			expect(await store.openPoll(id, 'pol_x', { openedAt: 1, closesAt: null, anonKey: null })).toBe('not_found');
			expect(await store.openPoll(id, 'pol_a', { openedAt: 100, closesAt: 5000, anonKey: 'k1' })).toBe('opened');
			expect(await store.openPoll(id, 'pol_b', { openedAt: 101, closesAt: null, anonKey: null })).toBe('busy');
			expect(await store.openPoll(id, 'pol_a', { openedAt: 102, closesAt: null, anonKey: null })).toBe('not_draft');
			expect((await store.liveState(id)).currentPollId).toBe('pol_a');
			expect(await store.poll(id, 'pol_a')).toMatchObject({ status: 'open', openedAt: 100, closesAt: 5000, anonKey: 'k1' });
			expect(await store.dismissPoll(id, 'pol_a')).toBe(false);
			const results = { answered: 0, counts: [0, 0, 0], correct: 0, tally: null, numeric: null };
			expect(await store.revealPoll(id, 'pol_a', 150, results)).toBe(false);
			expect(await store.closePoll(id, 'pol_a', { closedAt: 200, by: 'timer' })).toBe(true);
			expect(await store.closePoll(id, 'pol_a', { closedAt: 201, by: 'teacher' })).toBe(false);
			expect(await store.poll(id, 'pol_a')).toMatchObject({ status: 'closed', closedAt: 200, closedBy: 'timer', anonKey: null });
			expect(await store.revealPoll(id, 'pol_a', 300, results)).toBe(true);
			expect(await store.revealPoll(id, 'pol_a', 301, results)).toBe(false);
			expect(await store.poll(id, 'pol_a')).toMatchObject({ revealedAt: 300, results });
			expect(await store.openPoll(id, 'pol_b', { openedAt: 400, closesAt: null, anonKey: null })).toBe('opened');
			expect((await store.liveState(id)).currentPollId).toBe('pol_b');
			await store.closePoll(id, 'pol_b', { closedAt: 500, by: 'teacher' });
			expect(await store.dismissPoll(id, 'pol_a')).toBe(false);
			expect(await store.dismissPoll(id, 'pol_b')).toBe(true);
			expect((await store.liveState(id)).currentPollId).toBeNull();
		});

		it('files one answer per voter: same is a no-op, a change needs allowChange, nothing after close or the timer', async () => {
			const store = open();
			const id = lessonId();
			await store.saveDraft(id, draft('pol_free'));
			await store.saveDraft(id, draft('pol_fixed', { allowChange: false }));
			expect(await store.answerPoll(id, 'pol_free', vote('s1', 0), 1)).toBe('not_found');
			await store.openPoll(id, 'pol_free', { openedAt: 1, closesAt: 1000, anonKey: null });
			expect(await store.answerPoll(id, 'pol_free', vote('s1', 0), 10)).toBe('new');
			expect(await store.answerPoll(id, 'pol_free', vote('s1', 0), 11)).toBe('same');
			expect(await store.answerPoll(id, 'pol_free', vote('s1', 2), 12)).toBe('changed');
			expect(await store.answerPoll(id, 'pol_free', vote('s2', 1, 'cls_b'), 13)).toBe('new');
			expect(await store.answerPoll(id, 'pol_free', vote('s3', 1), 1000)).toBe('closed');
			expect(await store.pollAnswer(id, 'pol_free', 's1')).toEqual(vote('s1', 2));
			expect(await store.pollAnswer(id, 'pol_free', 's3')).toBeNull();
			expect((await store.pollAnswers(id, 'pol_free')).sort((a, b) => a.voter.localeCompare(b.voter))).toEqual([vote('s1', 2), vote('s2', 1, 'cls_b')]);
			await store.closePoll(id, 'pol_free', { closedAt: 20, by: 'teacher' });
			await store.openPoll(id, 'pol_fixed', { openedAt: 30, closesAt: null, anonKey: null });
			expect(await store.answerPoll(id, 'pol_fixed', vote('s1', 0), 31)).toBe('new');
			expect(await store.answerPoll(id, 'pol_fixed', vote('s1', 0), 32)).toBe('same');
			expect(await store.answerPoll(id, 'pol_fixed', vote('s1', 1), 33)).toBe('locked');
			await store.closePoll(id, 'pol_fixed', { closedAt: 40, by: 'teacher' });
			expect(await store.answerPoll(id, 'pol_fixed', vote('s9', 1), 41)).toBe('closed');
			expect(await store.pollAnswers(id, 'pol_fixed')).toEqual([vote('s1', 0)]);
		});

		it('replaces a room tally until the poll is revealed', async () => {
			const store = open();
			const id = lessonId();
			await store.saveDraft(id, draft('pol_t'));
			const tally = (classroomId: string, counts: number[]) => ({ classroomId, counts, total: counts.reduce((a, b) => a + b, 0), correct: counts[1] ?? 0, by: 'assistant' as const, at: 5 });
			expect(await store.setTally(id, 'pol_t', tally('cls_a', [1, 2, 3]))).toBe(false);
			await store.openPoll(id, 'pol_t', { openedAt: 1, closesAt: null, anonKey: null });
			expect(await store.setTally(id, 'pol_t', tally('cls_b', [0, 4, 0]))).toBe(true);
			expect(await store.setTally(id, 'pol_t', tally('cls_a', [1, 2, 3]))).toBe(true);
			expect(await store.setTally(id, 'pol_t', tally('cls_a', [2, 2, 3]))).toBe(true);
			await store.closePoll(id, 'pol_t', { closedAt: 2, by: 'teacher' });
			expect(await store.setTally(id, 'pol_t', tally('cls_a', [3, 2, 3]))).toBe(true);
			await store.revealPoll(id, 'pol_t', 3, { answered: 0, counts: [], correct: null, tally: null, numeric: null });
			expect(await store.setTally(id, 'pol_t', tally('cls_a', [9, 9, 9]))).toBe(false);
			expect(await store.tallies(id, 'pol_t')).toEqual([tally('cls_a', [3, 2, 3]), tally('cls_b', [0, 4, 0])]);
		});

		it('clears polls, answers and tallies with the lesson', async () => {
			const store = open();
			const id = lessonId();
			await store.saveDraft(id, draft('pol_c'));
			await store.openPoll(id, 'pol_c', { openedAt: 1, closesAt: null, anonKey: null });
			await store.answerPoll(id, 'pol_c', vote('s1', 1), 2);
			await store.clearLesson(id);
			expect(await store.polls(id)).toEqual([]);
			expect(await store.pollAnswers(id, 'pol_c')).toEqual([]);
			expect((await store.liveState(id)).currentPollId).toBeNull();
		});
	});
}
