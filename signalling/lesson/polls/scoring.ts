import { invalid } from '../../../core/errors.ts';
import { optionCount, type PollAnswer, type PollSpec } from '../../../protocol/index.ts';

/** Case and spacing do not make two short answers different. */
export function textKey(text: string): string {
	return text.replace(/\s+/g, ' ').trim().toLocaleLowerCase();
}

/**
 * Checks an answer against its poll and returns it in one canonical form (options sorted, text
 * with its spacing collapsed), so the same answer sent twice is stored byte for byte the same.
 */
export function normalizeAnswer(spec: PollSpec, answer: PollAnswer): PollAnswer {
	if (answer.kind !== spec.kind) throw invalid(`this is a ${spec.kind} poll; the answer was ${answer.kind}`);
	const options = optionCount(spec);
	switch (answer.kind) {
		case 'single':
			if (answer.option >= options) throw invalid(`the poll has ${options} options; there is no option ${answer.option}`);
			return { kind: 'single', option: answer.option };
		case 'multiple': {
			const bad = answer.options.find((o) => o >= options);
			if (bad !== undefined) throw invalid(`the poll has ${options} options; there is no option ${bad}`);
			return { kind: 'multiple', options: [...answer.options].sort((a, b) => a - b) };
		}
		case 'truefalse':
			return { kind: 'truefalse', value: answer.value };
		case 'numeric':
			return { kind: 'numeric', value: answer.value };
		case 'text':
			return { kind: 'text', text: answer.text.replace(/\s+/g, ' ').trim() };
	}
}

/** Whether an answer is right; null when the poll has no right answer. */
export function isCorrect(spec: PollSpec, answer: PollAnswer): boolean | null {
	if (spec.correct === null) return null;
	if (spec.kind === 'single' && answer.kind === 'single') return answer.option === spec.correct;
	if (spec.kind === 'multiple' && answer.kind === 'multiple') {
		const right = new Set(spec.correct);
		return answer.options.length === right.size && answer.options.every((o) => right.has(o));
	}
	if (spec.kind === 'truefalse' && answer.kind === 'truefalse') return answer.value === spec.correct;
	if (spec.kind === 'numeric' && answer.kind === 'numeric') return Math.abs(answer.value - spec.correct.value) <= spec.correct.tolerance;
	if (spec.kind === 'text' && answer.kind === 'text') return spec.correct.some((t) => textKey(t) === textKey(answer.text));
	return false;
}

/** The option indices an answer counts for (true/false: 0 true, 1 false). */
export function chosenOptions(answer: PollAnswer): number[] {
	if (answer.kind === 'single') return [answer.option];
	if (answer.kind === 'multiple') return answer.options;
	if (answer.kind === 'truefalse') return [answer.value ? 0 : 1];
	return [];
}

/** The option a show of hands counts as right; null when a tally cannot tell (multiple choice, no right answer). */
export function correctOption(spec: PollSpec): number | null {
	if (spec.kind === 'single') return spec.correct;
	if (spec.kind === 'truefalse') return spec.correct === null ? null : spec.correct ? 0 : 1;
	return null;
}

/** `poll.answered` / `poll.changed` data: what was answered, never who. */
export function answerEventData(pollId: string, spec: PollSpec, answer: PollAnswer) {
	return {
		pollId,
		anonymous: spec.anonymous,
		options: answer.kind === 'single' || answer.kind === 'multiple' || answer.kind === 'truefalse' ? chosenOptions(answer) : null,
		value: answer.kind === 'numeric' ? answer.value : null,
		textLength: answer.kind === 'text' ? answer.text.length : null,
		correct: isCorrect(spec, answer)
	};
}
