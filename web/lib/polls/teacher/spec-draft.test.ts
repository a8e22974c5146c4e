import { describe, expect, it } from 'vitest';
import { emptyDraft, toSpec } from './spec-draft.ts';

describe('toSpec (the poll composer)', () => {
	it('takes a 3-option quiz with the fourth box left empty', () => {
		const draft = { ...emptyDraft(), question: '1/2 + 1/4 = ?', options: ['3/4', '2/6', '1/6', ''], correctOptions: [0] };
		expect(toSpec(draft, null)).toMatchObject({ kind: 'single', options: ['3/4', '2/6', '1/6'], correct: 0 });
	});

	it('moves the marked answer with its option when an empty box before it is left out', () => {
		const draft = { ...emptyDraft(), kind: 'multiple' as const, question: 'Even?', options: ['2', '', '3', '4'], correctOptions: [0, 3] };
		expect(toSpec(draft, null)).toMatchObject({ kind: 'multiple', options: ['2', '3', '4'], correct: [0, 2] });
	});

	it('still refuses fewer than two filled options', () => {
		const draft = { ...emptyDraft(), question: 'Only one?', options: ['yes', '', '', ''] };
		expect(toSpec(draft, null)).toBeNull();
	});
});
