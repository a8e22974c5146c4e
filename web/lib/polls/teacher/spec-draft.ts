import { POLL_LIMITS, type PollKind, type PollSlide, type PollSpecInput } from '$protocol';

/** The composer's form state, turned into a poll spec (or null while incomplete). */
export interface SpecDraft {
	kind: PollKind;
	question: string;
	options: string[];
	/** single: one index; multiple: several. */
	correctOptions: number[];
	correctTf: 'none' | 'true' | 'false';
	correctNumber: string;
	tolerance: string;
	acceptedTexts: string;
	timer: string;
	anonymous: boolean;
	allowChange: boolean;
	tieToSlide: boolean;
}

export function emptyDraft(): SpecDraft {
	return {
		kind: 'single',
		question: '',
		options: ['', '', '', ''],
		correctOptions: [],
		correctTf: 'none',
		correctNumber: '',
		tolerance: '',
		acceptedTexts: '',
		timer: '',
		anonymous: false,
		allowChange: true,
		tieToSlide: false
	};
}

function num(text: string): number | null {
	const trimmed = text.trim().replace(',', '.');
	if (!trimmed) return null;
	const value = Number(trimmed);
	return Number.isFinite(value) ? value : null;
}

export function toSpec(d: SpecDraft, slide: PollSlide | null): PollSpecInput | null {
	const question = d.question.trim();
	if (!question) return null;
	const timer = num(d.timer);
	const common = {
		question,
		timerSeconds: timer === null ? null : Math.min(POLL_LIMITS.maxTimerSeconds, Math.max(POLL_LIMITS.minTimerSeconds, Math.round(timer))),
		anonymous: d.anonymous,
		allowChange: d.allowChange,
		slide: d.tieToSlide ? slide : null
	};
	switch (d.kind) {
		case 'single':
		case 'multiple': {
			// Empty boxes are left out (the composer offers four; a 3-option quiz leaves one empty), and the
			// marked answers follow their options to the new positions.
			const kept = d.options.map((o, i) => ({ text: o.trim(), i })).filter((o) => o.text);
			const options = kept.map((o) => o.text);
			if (options.length < POLL_LIMITS.minOptions) return null;
			const marked = kept.flatMap((o, at) => (d.correctOptions.includes(o.i) ? [at] : []));
			if (d.kind === 'single') return { kind: 'single', ...common, options, correct: marked[0] ?? null };
			return { kind: 'multiple', ...common, options, correct: marked.length ? marked : null };
		}
		case 'truefalse':
			return { kind: 'truefalse', ...common, correct: d.correctTf === 'none' ? null : d.correctTf === 'true' };
		case 'numeric': {
			const value = num(d.correctNumber);
			return { kind: 'numeric', ...common, correct: value === null ? null : { value, tolerance: Math.abs(num(d.tolerance) ?? 0) } };
		}
		case 'text': {
			const accepted = d.acceptedTexts
				.split('\n')
				.map((s) => s.trim())
				.filter(Boolean)
				.slice(0, POLL_LIMITS.acceptedTexts);
			return { kind: 'text', ...common, correct: accepted.length ? accepted : null };
		}
	}
}
