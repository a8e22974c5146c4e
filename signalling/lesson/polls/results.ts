import {
	optionCount,
	type NumericSummary,
	type Participant,
	type PollResults,
	type PublicPollResults,
	type ClassroomPollResults,
	type ClassroomPollView,
	type TallyCounts,
	type TextSummary
} from '../../../protocol/index.ts';
import type { StoredAnswer, StoredPoll, StoredTally } from '../../store/LessonStore.ts';
import { anonymousCut } from './anonymousCut.ts';
import { chosenOptions, isCorrect, textKey } from './scoring.ts';

const TOP_VALUES = 20;
const TOP_TEXTS = 100;

/**
 * Counts a poll's answers from scratch: the teacher's full view. Device answers and tallies stay
 * apart at every level. `present` counts students online now.
 */
export function pollResults(poll: StoredPoll, answers: StoredAnswer[], tallies: StoredTally[], people: Participant[], classroomIds: string[]): PollResults {
	const { spec } = poll;
	const n = optionCount(spec);
	const quiz = spec.correct !== null;
	const cut = spec.anonymous ? anonymousCut(answers) : null;
	const rooms = new Map<string, ClassroomPollResults>();
	const room = (classroomId: string): ClassroomPollResults => {
		let entry = rooms.get(classroomId);
		if (!entry) {
			entry = { classroomId, present: 0, answered: 0, counts: new Array<number>(n).fill(0), correct: quiz ? 0 : null, tally: null, withheld: false };
			rooms.set(classroomId, entry);
		}
		return entry;
	};
	for (const id of classroomIds) room(id);
	for (const p of people) {
		if (p.role === 'student' && p.online && p.classroomId) room(p.classroomId).present++;
	}
	for (const { classroomId, answer } of answers) {
		const entry = room(classroomId);
		if (cut && !cut.attributed(classroomId)) {
			entry.withheld = true;
			entry.correct = null;
			continue;
		}
		entry.answered++;
		for (const option of chosenOptions(answer)) if (option < n) entry.counts[option] = (entry.counts[option] ?? 0) + 1;
		if (quiz && isCorrect(spec, answer)) entry.correct = (entry.correct ?? 0) + 1;
	}
	for (const t of tallies) room(t.classroomId).tally = { counts: t.counts, total: t.total, correct: t.correct, by: t.by, at: t.at };

	const shown = cut?.shown ?? answers;
	const totals = new Array<number>(n).fill(0);
	for (const { answer } of shown) for (const option of chosenOptions(answer)) if (option < n) totals[option] = (totals[option] ?? 0) + 1;
	const classrooms = [...rooms.values()];
	return {
		pollId: poll.id,
		kind: spec.kind,
		status: poll.status,
		revealed: poll.revealedAt !== null,
		present: sum(classrooms.map((r) => r.present)),
		answered: shown.length,
		counts: totals,
		correct: quiz ? shown.filter((a) => isCorrect(spec, a.answer)).length : null,
		tally: tallyTotal(tallies, n),
		numeric: spec.kind === 'numeric' ? numericSummary(shown) : null,
		texts: spec.kind === 'text' ? textSummary(shown) : null,
		classrooms,
		withheld: cut?.withheld ?? false
	};
}

/** An assistant's classroom; who has not answered only for polls that know who answered. */
export function classroomView(poll: StoredPoll, results: PollResults, answers: StoredAnswer[], people: Participant[], classroomId: string): ClassroomPollView {
	const classroom = results.classrooms.find((r) => r.classroomId === classroomId) ?? {
		classroomId,
		present: 0,
		answered: 0,
		counts: new Array<number>(optionCount(poll.spec)).fill(0),
		correct: poll.spec.correct === null ? null : 0,
		tally: null,
		withheld: false
	};
	let notAnswered: ClassroomPollView['notAnswered'] = null;
	if (!poll.spec.anonymous) {
		const voters = new Set(answers.map((a) => a.voter));
		notAnswered = people
			.filter((p) => p.role === 'student' && p.online && p.classroomId === classroomId && !voters.has(p.id))
			.map((p) => ({ participantId: p.id, displayName: p.displayName }))
			.sort((a, b) => a.displayName.localeCompare(b.displayName));
	}
	return { pollId: poll.id, kind: poll.spec.kind, status: poll.status, anonymous: poll.spec.anonymous, classroom, notAnswered };
}

/** What every screen shows after reveal: totals only, no rooms, no text answers. */
export function publicResults(results: PollResults): PublicPollResults {
	return { answered: results.answered, counts: results.counts, correct: results.correct, tally: results.tally, numeric: results.numeric, withheld: results.withheld };
}

function tallyTotal(tallies: StoredTally[], n: number): TallyCounts | null {
	if (tallies.length === 0) return null;
	const correct = tallies.every((t) => t.correct === null) ? null : sum(tallies.map((t) => t.correct ?? 0));
	return { counts: addUp(tallies.map((t) => t.counts), n), total: sum(tallies.map((t) => t.total)), correct };
}

function numericSummary(answers: StoredAnswer[]): NumericSummary {
	const values = answers.flatMap((a) => (a.answer.kind === 'numeric' ? [a.answer.value] : [])).sort((a, b) => a - b);
	const counts = new Map<number, number>();
	for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
	const top = [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || a.value - b.value);
	const shown = top.slice(0, TOP_VALUES);
	const mid = values.length >> 1;
	return {
		count: values.length,
		mean: values.length ? sum(values) / values.length : null,
		median: values.length ? (values.length % 2 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2) : null,
		min: values[0] ?? null,
		max: values.at(-1) ?? null,
		values: shown,
		otherValues: values.length - sum(shown.map((v) => v.count))
	};
}

/** Groups answers that differ only in case and spacing, shown in their most given spelling. */
function textSummary(answers: StoredAnswer[]): TextSummary {
	const groups = new Map<string, { count: number; spellings: Map<string, number> }>();
	for (const { answer } of answers) {
		if (answer.kind !== 'text') continue;
		const key = textKey(answer.text);
		const group = groups.get(key) ?? { count: 0, spellings: new Map<string, number>() };
		group.count++;
		group.spellings.set(answer.text, (group.spellings.get(answer.text) ?? 0) + 1);
		groups.set(key, group);
	}
	// Stores return answers in no set order: ties are broken by the text itself.
	const byCountThenText = (a: [string, number], b: [string, number]) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
	const sorted = [...groups.values()]
		.map((g) => ({ text: [...g.spellings].sort(byCountThenText)[0]![0], count: g.count }))
		.sort((a, b) => byCountThenText([a.text, a.count], [b.text, b.count]));
	const shown = sorted.slice(0, TOP_TEXTS);
	return { answers: shown, otherAnswers: sum(sorted.slice(TOP_TEXTS).map((g) => g.count)) };
}

function addUp(lists: number[][], n: number): number[] {
	const total = new Array<number>(n).fill(0);
	for (const list of lists) for (let i = 0; i < n; i++) total[i]! += list[i] ?? 0;
	return total;
}

function sum(values: number[]): number {
	return values.reduce((a, b) => a + b, 0);
}
