import { describe, expect, it } from 'vitest';
import { EMPTY_SURFACE, type DeckInfo, type SurfaceState } from '$protocol';
import { BLANK_FRAME, exportFileName, frameOfPage, frameOfView, letterbox, mayDraw, resumePage, turnTo } from './surface-model.ts';

const deck: DeckInfo = {
	id: 'dk1',
	title: '分数: 第一课',
	fileName: 'fractions.pdf',
	pageCount: 3,
	bytes: 1000,
	uploadedAt: 0,
	pages: [
		{ width: 800, height: 600 },
		{ width: 595, height: 842 },
		{ width: 800, height: 450 }
	],
	scriptsIgnored: false
};
const surface = (over: Partial<SurfaceState> = {}): SurfaceState => ({ ...EMPTY_SURFACE, decks: [deck], ...over });

describe('surface model', () => {
	it('frames deck pages by their own aspect and blank boards 16:9', () => {
		expect(frameOfView({ kind: 'deck', deckId: 'dk1', page: 1 }, [deck])).toEqual({ width: 1600, height: 1200 });
		expect(frameOfView({ kind: 'deck', deckId: 'dk1', page: 2 }, [deck])?.height).toBe(2264);
		expect(frameOfView({ kind: 'blank', boardId: 'b1' }, [deck])).toEqual(BLANK_FRAME);
		expect(BLANK_FRAME).toEqual({ width: 1600, height: 900 });
		expect(frameOfView({ kind: 'none' }, [deck])).toBeNull();
		expect(frameOfView({ kind: 'deck', deckId: 'dk1', page: 9 }, [deck])).toBeNull();
	});

	it('lets the teacher and granted participants draw', () => {
		expect(mayDraw('teacher', 't1', surface())).toBe(true);
		expect(mayDraw('classroom', 'c1', surface())).toBe(false);
		expect(mayDraw('classroom', 'c1', surface({ drawers: ['c1'] }))).toBe(true);
		expect(mayDraw('observer', null, surface({ drawers: ['c1'] }))).toBe(false);
	});

	it('turns pages inside the deck only', () => {
		const view = { kind: 'deck', deckId: 'dk1', page: 2 } as const;
		expect(turnTo(view, [deck], 3)).toEqual({ kind: 'deck', deckId: 'dk1', page: 3 });
		expect(turnTo(view, [deck], 7)).toEqual({ kind: 'deck', deckId: 'dk1', page: 3 });
		expect(turnTo(view, [deck], 2)).toBeNull();
		expect(turnTo({ kind: 'deck', deckId: 'dk1', page: 1 }, [deck], 0)).toBeNull();
		expect(turnTo({ kind: 'none' }, [deck], 2)).toBeNull();
	});

	it('resumes a deck where it was left', () => {
		expect(resumePage(surface(), deck)).toBe(1);
		expect(resumePage(surface({ deckPages: { dk1: 3 } }), deck)).toBe(3);
		expect(resumePage(surface({ deckPages: { dk1: 40 } }), deck)).toBe(3);
	});

	it('names exports after the deck and page', () => {
		expect(exportFileName({ kind: 'deck', deckId: 'dk1', page: 2 }, [deck], null)).toBe('分数_ 第一课-p2.png');
		expect(exportFileName({ kind: 'blank', boardId: 'b1' }, [deck], 2)).toBe('board-2.png');
	});
});

describe('letterbox', () => {
	it('fits the frame by width or by height, in whole pixels, and waits for layout', () => {
		const frame = { width: 1600, height: 900 };
		expect(letterbox(frame, 800, 1000)).toEqual({ width: 800, height: 450 });
		expect(letterbox(frame, 2000, 450)).toEqual({ width: 800, height: 450 });
		expect(letterbox(frame, 0, 450)).toBeNull();
		expect(letterbox(null, 800, 450)).toBeNull();
	});
	it('gives a page its aspect at the board width', () => {
		expect(frameOfPage({ width: 612, height: 792 })).toEqual({ width: 1600, height: 2071 });
		expect(frameOfPage({ width: 0, height: 792 })).toBeNull();
	});
});
