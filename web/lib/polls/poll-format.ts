import type { PollAnswer, PollCorrect, PollKind, PublicPoll } from '$protocol';
import { t } from '../i18n/index.svelte.ts';

/** The labels of a poll's bars: its options, or True/False. */
export function optionLabels(poll: { kind: PollKind; options: string[] }): string[] {
	if (poll.kind === 'truefalse') return [t('poll.true'), t('poll.false')];
	return poll.options;
}

/** Which bars are the right answer (empty when no right answer or not revealed). */
export function correctIndexes(kind: PollKind, correct: PollCorrect): number[] {
	if (correct === null) return [];
	if (kind === 'single' && typeof correct === 'number') return [correct];
	if (kind === 'multiple' && Array.isArray(correct)) return correct as number[];
	if (kind === 'truefalse' && typeof correct === 'boolean') return [correct ? 0 : 1];
	return [];
}

const norm = (s: string) => s.replace(/\s+/g, ' ').trim().toLowerCase();

/** Whether an answer is right; null when the poll has no right answer. */
export function isRight(kind: PollKind, correct: PollCorrect, answer: PollAnswer): boolean | null {
	if (correct === null) return null;
	if (answer.kind === 'single' && kind === 'single') return answer.option === correct;
	if (answer.kind === 'multiple' && Array.isArray(correct)) {
		const want = [...(correct as number[])].sort();
		const got = [...answer.options].sort();
		return want.length === got.length && want.every((v, i) => v === got[i]);
	}
	if (answer.kind === 'truefalse') return answer.value === correct;
	if (answer.kind === 'numeric' && typeof correct === 'object' && correct && 'value' in correct) {
		return Math.abs(answer.value - correct.value) <= correct.tolerance;
	}
	if (answer.kind === 'text' && Array.isArray(correct)) {
		return (correct as string[]).some((c) => norm(c) === norm(answer.text));
	}
	return null;
}

export function answerText(poll: { kind: PollKind; options: string[] }, answer: PollAnswer): string {
	const labels = optionLabels(poll);
	switch (answer.kind) {
		case 'single':
			return labels[answer.option] ?? '';
		case 'multiple':
			return answer.options.map((i) => labels[i] ?? '').join(', ');
		case 'truefalse':
			return answer.value ? t('poll.true') : t('poll.false');
		case 'numeric':
			return String(answer.value);
		case 'text':
			return answer.text;
	}
}

export function correctText(poll: PublicPoll): string {
	const c = poll.correct;
	if (c === null) return '';
	if (poll.kind === 'numeric' && typeof c === 'object' && c && 'value' in c) {
		return c.tolerance ? `${c.value} ± ${c.tolerance}` : String(c.value);
	}
	if (poll.kind === 'text' && Array.isArray(c)) return (c as string[]).join(' / ');
	const labels = optionLabels(poll);
	return correctIndexes(poll.kind, c).map((i) => labels[i] ?? '').join(', ');
}

export function percent(part: number, whole: number): number {
	return whole > 0 ? Math.round((part / whole) * 100) : 0;
}

/** A letter for option i: A, B, C… */
export function letter(i: number): string {
	return String.fromCharCode(65 + i);
}
