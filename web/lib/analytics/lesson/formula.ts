import type { ScoreFormula } from '$protocol';

/**
 * How many hands and messages count fully in the activity score. The contract carries them only
 * inside the English term descriptions ("hands raised ÷ 2, at most 1"); a `full` field, once the
 * server sends one, wins.
 */
export function formulaCaps(formula: ScoreFormula): { hands: string; messages: string } {
	const full = (formula as ScoreFormula & { full?: { hands?: number; messages?: number } }).full;
	const fromText = (key: 'hands' | 'messages') => {
		const description = formula.terms.find((term) => term.key === key)?.description ?? '';
		return /÷\s*(\d+(?:\.\d+)?)/.exec(description)?.[1] ?? '?';
	};
	return {
		hands: full?.hands !== undefined ? String(full.hands) : fromText('hands'),
		messages: full?.messages !== undefined ? String(full.messages) : fromText('messages')
	};
}
