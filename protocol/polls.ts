import { z } from 'zod';
import { IdSchema } from './common.ts';
import { MAX_DECK_PAGES } from './surface.ts';

/**
 * Polls and quizzes. The teacher prepares polls before the lesson (drafts) or opens one ad hoc;
 * students answer on their phones; assistants enter a show-of-hands tally for students without a
 * device. One poll is open at a time. What each role sees:
 *   teacher, observer   live results (`polls.results`, view 'full'): histogram, per-classroom
 *                       breakdown, text answers, answered/present
 *   assistant           their room's counts and, unless the poll is anonymous, who has not answered
 *                       (`polls.results`, view 'classroom')
 *   classroom, student  the question while open (snapshot `poll`); results and the correct answer
 *                       only after the teacher reveals them; a student gets their own answer back
 * Anonymous polls are stored without who answered: answers sit under a keyed hash of the
 * participant id whose per-poll key is destroyed at close, and their events carry the actor
 * 'anonymous'. Tallies are counted apart from device answers everywhere.
 */

export const POLL_LIMITS = {
	question: 300,
	option: 100,
	minOptions: 2,
	maxOptions: 8,
	text: 200,
	acceptedTexts: 10,
	minTimerSeconds: 5,
	maxTimerSeconds: 3600,
	/** Polls (drafts included) one lesson may hold. */
	perLesson: 100,
	/** Largest count one room's tally may give an option. */
	tallyMax: 1000,
	/**
	 * Anonymous polls show no figure drawn from fewer answers than this: a room with one or two
	 * answers is shown as withheld, and its answers count in the totals only pooled with other
	 * small rooms' when the pool reaches this size (so no subtraction finds them either).
	 */
	anonymousMinAnswers: 3
} as const;

export const PollKindSchema = z.enum(['single', 'multiple', 'truefalse', 'numeric', 'text']);
export type PollKind = z.infer<typeof PollKindSchema>;

const QuestionSchema = z.string().trim().min(1).max(POLL_LIMITS.question);
const OptionIndexSchema = z.number().int().min(0).max(POLL_LIMITS.maxOptions - 1);
const FiniteSchema = z.number().min(-1e12).max(1e12);
const TextAnswerSchema = z.string().trim().min(1).max(POLL_LIMITS.text, `short answers are at most ${POLL_LIMITS.text} characters`);

const distinct = (values: readonly (string | number)[]) =>
	new Set(values.map((v) => (typeof v === 'string' ? v.toLowerCase() : v))).size === values.length;

const OptionsSchema = z
	.array(z.string().trim().min(1).max(POLL_LIMITS.option))
	.min(POLL_LIMITS.minOptions)
	.max(POLL_LIMITS.maxOptions)
	.refine(distinct, 'options must differ from each other');

const IndexListSchema = z.array(OptionIndexSchema).min(1).max(POLL_LIMITS.maxOptions).refine(distinct, 'options must not repeat');

/** A poll may belong to one page of a deck: the teacher's console offers it on that page. */
export const PollSlideSchema = z.object({ deckId: IdSchema, page: z.number().int().min(1).max(MAX_DECK_PAGES) }).strict();
export type PollSlide = z.infer<typeof PollSlideSchema>;

const common = {
	question: QuestionSchema,
	/** Closes the poll on the server this many seconds after it opens. */
	timerSeconds: z.number().int().min(POLL_LIMITS.minTimerSeconds).max(POLL_LIMITS.maxTimerSeconds).nullable().default(null),
	anonymous: z.boolean().default(false),
	/** Whether a student may replace their answer before the poll closes. */
	allowChange: z.boolean().default(true),
	slide: PollSlideSchema.nullable().default(null)
};

/** `correct` makes a poll a quiz; null means no right answer. */
export const PollSpecSchema = z
	.discriminatedUnion('kind', [
		z.object({ kind: z.literal('single'), ...common, options: OptionsSchema, correct: OptionIndexSchema.nullable().default(null) }).strict(),
		z.object({ kind: z.literal('multiple'), ...common, options: OptionsSchema, correct: IndexListSchema.nullable().default(null) }).strict(),
		/** Counts are [true, false]. */
		z.object({ kind: z.literal('truefalse'), ...common, correct: z.boolean().nullable().default(null) }).strict(),
		/** Right when |answer - value| <= tolerance. */
		z.object({
			kind: z.literal('numeric'),
			...common,
			correct: z.object({ value: FiniteSchema, tolerance: z.number().min(0).max(1e12).default(0) }).strict().nullable().default(null)
		}).strict(),
		/** Right when the answer matches one accepted text (case and spacing ignored). */
		z.object({
			kind: z.literal('text'),
			...common,
			correct: z.array(TextAnswerSchema).min(1).max(POLL_LIMITS.acceptedTexts).nullable().default(null)
		}).strict()
	])
	.superRefine((spec, ctx) => {
		if (spec.kind === 'single' && spec.correct !== null && spec.correct >= spec.options.length) {
			ctx.addIssue({ code: 'custom', path: ['correct'], message: `the poll has ${spec.options.length} options; there is no option ${spec.correct}` });
		}
		if (spec.kind === 'multiple' && spec.correct?.some((i) => i >= spec.options.length)) {
			ctx.addIssue({ code: 'custom', path: ['correct'], message: `the poll has ${spec.options.length} options` });
		}
	});
export type PollSpec = z.output<typeof PollSpecSchema>;
export type PollSpecInput = z.input<typeof PollSpecSchema>;
export type PollCorrect = PollSpec['correct'];

/** One student's answer; its kind must be the poll's. */
export const PollAnswerSchema = z.discriminatedUnion('kind', [
	z.object({ kind: z.literal('single'), option: OptionIndexSchema }).strict(),
	z.object({ kind: z.literal('multiple'), options: IndexListSchema }).strict(),
	z.object({ kind: z.literal('truefalse'), value: z.boolean() }).strict(),
	z.object({ kind: z.literal('numeric'), value: FiniteSchema }).strict(),
	z.object({ kind: z.literal('text'), text: TextAnswerSchema }).strict()
]);
export type PollAnswer = z.infer<typeof PollAnswerSchema>;

/** Per option counts: single and multiple have one per option, true/false [true, false]. */
export function optionCount(spec: Pick<PollSpec, 'kind'> & { options?: string[] }): number {
	if (spec.kind === 'truefalse') return 2;
	if (spec.kind === 'single' || spec.kind === 'multiple') return spec.options?.length ?? 0;
	return 0;
}

/** Tallies (show of hands) exist only for polls with options. */
export function canTally(kind: PollKind): boolean {
	return kind === 'single' || kind === 'multiple' || kind === 'truefalse';
}

export type PollStatus = 'draft' | 'open' | 'closed';

/** A poll as the teacher sees it: the whole spec, correct answer included. */
export interface PollInfo {
	id: string;
	spec: PollSpec;
	status: PollStatus;
	/** Made before it was opened (a prepared poll), rather than opened ad hoc. */
	prepared: boolean;
	createdAt: number;
	openedAt: number | null;
	closesAt: number | null;
	closedAt: number | null;
	closedBy: 'teacher' | 'timer' | null;
	revealedAt: number | null;
}

/** A show-of-hands count for one option list, kept apart from device answers. */
export interface TallyCounts {
	counts: number[];
	/** Hands counted (the sum; for multiple choice a student may raise a hand more than once). */
	total: number;
	/** Hands for the right option; null when not a quiz or for multiple choice. */
	correct: number | null;
}

export interface NumericSummary {
	count: number;
	mean: number | null;
	median: number | null;
	min: number | null;
	max: number | null;
	/** The most given values, most first (at most 20). */
	values: { value: number; count: number }[];
	/** Answers whose value is not among `values`. */
	otherValues: number;
}

export interface TextSummary {
	/** Answers grouped ignoring case and spacing, most first (at most 100). */
	answers: { text: string; count: number }[];
	otherAnswers: number;
}

export interface ClassroomPollResults {
	classroomId: string;
	/** Students online in the room now. */
	present: number;
	/** Students of the room who answered on a device. */
	answered: number;
	counts: number[];
	/** Device answers that were right; null when the poll is not a quiz. */
	correct: number | null;
	tally: (TallyCounts & { by: 'teacher' | 'assistant'; at: number }) | null;
	/** Anonymous polls: the room has too few answers to show (answered, counts and correct read 0/null). */
	withheld: boolean;
}

/** Everything about a poll's answers: the teacher's (and observers') live view. */
export interface PollResults {
	pollId: string;
	kind: PollKind;
	status: PollStatus;
	revealed: boolean;
	present: number;
	answered: number;
	counts: number[];
	correct: number | null;
	/** Sum of the rooms' tallies, never mixed into `counts`. */
	tally: TallyCounts | null;
	numeric: NumericSummary | null;
	texts: TextSummary | null;
	classrooms: ClassroomPollResults[];
	/** Anonymous polls: some answers (of rooms with too few) are not in the figures above. */
	withheld: boolean;
}

/** An assistant's view of their own room. */
export interface ClassroomPollView {
	pollId: string;
	kind: PollKind;
	status: PollStatus;
	anonymous: boolean;
	classroom: ClassroomPollResults;
	/** Present students who have not answered yet; null for anonymous polls (counts only). */
	notAnswered: { participantId: string; displayName: string }[] | null;
}

/** What every screen shows once the teacher reveals a closed poll. */
export interface PublicPollResults {
	answered: number;
	counts: number[];
	correct: number | null;
	tally: TallyCounts | null;
	numeric: NumericSummary | null;
	/** Anonymous polls: some answers are not in these figures (see POLL_LIMITS.anonymousMinAnswers). */
	withheld?: boolean;
}

/** The poll on every screen (snapshot `poll`): the question while open, results after reveal. */
export interface PublicPoll {
	id: string;
	kind: PollKind;
	question: string;
	/** Empty for true/false (counts are [true, false]), numeric and text. */
	options: string[];
	anonymous: boolean;
	allowChange: boolean;
	slide: PollSlide | null;
	status: 'open' | 'closed';
	openedAt: number;
	closesAt: number | null;
	revealed: boolean;
	/** Null until revealed (and for polls without a right answer). */
	correct: PollCorrect;
	results: PublicPollResults | null;
}

export type PollResultsNotice = { view: 'full'; results: PollResults } | { view: 'classroom'; results: ClassroomPollView };

/** `poll.state`: what the caller's role may know about polls, for (re)joining clients. */
export interface PollsState {
	current: PublicPoll | null;
	/** Students: their own answer to the current poll (for anonymous polls only while it is open). */
	mine: PollAnswer | null;
	/** Teacher: every poll of the lesson, prepared ones included. */
	polls: PollInfo[] | null;
	/** Live results of the current poll for the teacher, observers and assistants. */
	results: PollResultsNotice | null;
}

export interface PollAnswerResult {
	pollId: string;
	/** The answer as stored (text trimmed, options sorted). */
	answer: PollAnswer;
	/** 'same': this answer was in already and nothing changed; 'changed': it replaced another. */
	outcome: 'new' | 'same' | 'changed';
}

/** The public form of a poll: nothing about answers until the teacher reveals. */
export function publicPoll(poll: PollInfo, results: PublicPollResults | null): PublicPoll | null {
	if (poll.status === 'draft' || poll.openedAt === null) return null;
	const revealed = poll.revealedAt !== null;
	const { spec } = poll;
	return {
		id: poll.id,
		kind: spec.kind,
		question: spec.question,
		options: spec.kind === 'single' || spec.kind === 'multiple' ? [...spec.options] : [],
		anonymous: spec.anonymous,
		allowChange: spec.allowChange,
		slide: spec.slide,
		status: poll.status,
		openedAt: poll.openedAt,
		closesAt: poll.closesAt,
		revealed,
		correct: revealed ? spec.correct : null,
		results: revealed ? results : null
	};
}
