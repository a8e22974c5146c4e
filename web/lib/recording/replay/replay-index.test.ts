import { describe, expect, it } from 'vitest';
import type { BoardSnapshot, ClassroomEvent, PollResults, TimelineEntry } from '$protocol';
import { ReplayIndex, lastAtOrBefore } from './replay-index.ts';

let seq = 0;
function event<T extends ClassroomEvent['type']>(mediaMs: number, type: T, data: Extract<ClassroomEvent, { type: T }>['data'], actor = 'p_teacher'): TimelineEntry {
	const e = { v: 1, id: `e${++seq}`, lessonId: 'lesson1', at: 1_700_000_000_000 + mediaMs, type, actor, role: 'teacher', classroomId: null, data };
	return { kind: 'event', mediaMs, event: e as unknown as ClassroomEvent };
}

const shown = (mediaMs: number, page: number) => event(mediaMs, 'slide.shown', { kind: 'deck', deckId: 'deck1', page, boardId: `d_deck1_${page}` });

const entries: TimelineEntry[] = [
	{ kind: 'surface', mediaMs: 0, view: { kind: 'deck', deckId: 'deck1', page: 1 } },
	event(500, 'participant.joined', { displayName: '小明', rejoin: false, joinedAt: 500 }, 'p_ming'),
	shown(8000, 2),
	event(9000, 'hand.raised', { participantId: 'p_ming' }, 'p_ming'),
	{ kind: 'chat', mediaMs: 9500, messageId: 'm1', from: '小明', role: 'student', classroomId: 'room1', channel: 'question', text: '为什么？' },
	event(11_000, 'poll.opened', {
		pollId: 'poll1',
		kind: 'single',
		question: 'Which is bigger?',
		options: ['1/2', '1/4'],
		anonymous: false,
		quiz: true,
		allowChange: false,
		timerSeconds: null,
		prepared: false,
		slide: null,
		openedAt: 11_000,
		closesAt: null
	}),
	{ kind: 'pollResults', mediaMs: 15_000, pollId: 'poll1', results: { counts: [3, 1] } },
	event(15_000, 'poll.closed', { pollId: 'poll1', by: 'teacher', answered: 4, results: { counts: [3, 1] } as unknown as PollResults }),
	event(20_000, 'slide.shown', { kind: 'none', deckId: null, page: null, boardId: null }),
	event(22_000, 'slide.shown', { kind: 'blank', deckId: null, page: null, boardId: 'b_x' })
];

const boards: BoardSnapshot[] = [
	{ mediaMs: 12_000, boardId: 'd_deck1_2', records: [{ id: 'shape:a', typeName: 'shape' }] },
	{ mediaMs: 13_000, boardId: 'd_deck1_2', records: [{ id: 'shape:a', typeName: 'shape' }, { id: 'shape:b', typeName: 'shape' }] }
];

describe('ReplayIndex', () => {
	const index = new ReplayIndex(entries, boards, 30_000);

	it('knows what was shown at any moment', () => {
		expect(index.viewAt(0)).toEqual({ kind: 'deck', deckId: 'deck1', page: 1 });
		expect(index.viewAt(7999)).toEqual({ kind: 'deck', deckId: 'deck1', page: 1 });
		expect(index.viewAt(10_000)).toEqual({ kind: 'deck', deckId: 'deck1', page: 2 });
		expect(index.viewAt(21_000)).toEqual({ kind: 'none' });
		expect(index.viewAt(25_000)).toEqual({ kind: 'blank', boardId: 'b_x' });
	});

	it('gives the board as it was: nothing before the first snapshot, then the latest one', () => {
		expect(index.boardAt('d_deck1_2', 10_000)).toBeNull();
		expect(index.boardAt('d_deck1_2', 12_500)?.records.map((r) => r.id)).toEqual(['shape:a']);
		expect(index.boardAt('d_deck1_2', 14_000)?.records).toHaveLength(2);
		expect(index.boardAt('b_unknown', 14_000)).toBeNull();
	});

	it('makes chapters by slide, skipping stretches with nothing shown', () => {
		expect(index.chapters.map((c) => [c.startMs, c.endMs, c.view.kind])).toEqual([
			[0, 8000, 'deck'],
			[8000, 20_000, 'deck'],
			[22_000, 30_000, 'blank']
		]);
		expect(index.chapterAt(9000)).toBe(1);
		expect(index.chapterAt(21_000)).toBe(-1);
	});

	it('marks slide changes, polls and hands (with the name from the join)', () => {
		expect(index.markers.map((m) => [m.kind, m.atMs])).toEqual([
			['slide', 8000],
			['hand', 9000],
			['poll', 11_000],
			['slide', 22_000]
		]);
		const hand = index.markers.find((m) => m.kind === 'hand');
		expect(hand?.kind === 'hand' && hand.name).toBe('小明');
	});

	it('shows chat and polls only once they happened', () => {
		expect(index.chatCountAt(9000)).toBe(0);
		expect(index.chatCountAt(9500)).toBe(1);
		expect(index.pollsAt(10_000)).toEqual([]);
		const open = index.pollsAt(12_000);
		expect(open[0]?.status).toBe('open');
		expect(open[0]?.results).toBeNull();
		const closed = index.pollsAt(16_000);
		expect(closed[0]?.status).toBe('closed');
		expect(closed[0]?.results).toEqual({ counts: [3, 1] });
	});
});

describe('lastAtOrBefore', () => {
	it('finds the last item at or before a time', () => {
		const items = [1, 5, 5, 9];
		expect(lastAtOrBefore(items, 0, (x) => x)).toBe(-1);
		expect(lastAtOrBefore(items, 5, (x) => x)).toBe(2);
		expect(lastAtOrBefore(items, 100, (x) => x)).toBe(3);
	});
});
