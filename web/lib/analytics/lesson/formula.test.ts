import { describe, expect, it } from 'vitest';
import type { ScoreFormula } from '$protocol';
import { formulaCaps } from './formula.ts';

const base: ScoreFormula = {
	text: 'score = …',
	weights: { presence: 0.35, answered: 0.25, correct: 0.2, hands: 0.1, messages: 0.1 },
	terms: [
		{ key: 'hands', description: 'hands raised ÷ 2, at most 1' },
		{ key: 'messages', description: '(chat messages + questions) ÷ 3, at most 1' }
	]
};

describe('formulaCaps', () => {
	it('reads the caps out of the term descriptions', () => {
		expect(formulaCaps(base)).toEqual({ hands: '2', messages: '3' });
	});
	it('prefers numbers the server sends', () => {
		expect(formulaCaps({ ...base, full: { hands: 4, messages: 5 } } as ScoreFormula)).toEqual({ hands: '4', messages: '5' });
	});
	it('says it does not know rather than inventing a cap', () => {
		expect(formulaCaps({ ...base, terms: [] })).toEqual({ hands: '?', messages: '?' });
	});
});
