import type { DegradedRule, ScoreFormula } from '../protocol/index.ts';

/**
 * The two judgement calls behind the dashboards, each returned with the figures it explains so the
 * pages can show them: the activity score's formula and what makes a minute "degraded".
 */
export const SCORE_WEIGHTS = { presence: 0.35, answered: 0.25, correct: 0.2, hands: 0.1, messages: 0.1 } as const;
/** Hands and messages count fully from this many per lesson. */
export const HANDS_FULL = 2;
export const MESSAGES_FULL = 2;

export const SCORE_FORMULA: ScoreFormula = {
	text:
		'score = 100 × (0.35·presence + 0.25·answered + 0.2·correct + 0.1·hands + 0.1·messages) ÷ (sum of the weights that apply); ' +
		'"answered" applies only when named polls were open while the student was there, "correct" only when named quiz polls were',
	weights: { ...SCORE_WEIGHTS },
	terms: [
		{ key: 'presence', description: 'minutes present ÷ lesson minutes (first to last event), at most 1' },
		{ key: 'answered', description: 'named polls answered ÷ named polls open while present' },
		{ key: 'correct', description: 'named quiz polls answered right ÷ named quiz polls open while present' },
		{ key: 'hands', description: `hands raised ÷ ${HANDS_FULL}, at most 1` },
		{ key: 'messages', description: `(chat messages + questions) ÷ ${MESSAGES_FULL}, at most 1` }
	]
};

/** SQL for the score of a row with minutes, lesson_minutes, polls_open, polls_answered, quiz_open, quiz_correct, hands, chat, questions. */
export function scoreSql(alias = ''): string {
	const c = (name: string) => `${alias}${name}`;
	const w = SCORE_WEIGHTS;
	const presence = `least(1.0, coalesce(${c('minutes')} / nullif(${c('lesson_minutes')}, 0), 0))`;
	const num = [
		`${w.presence} * ${presence}`,
		`${w.hands} * least(1.0, ${c('hands')} / ${HANDS_FULL}.0)`,
		`${w.messages} * least(1.0, (${c('chat')} + ${c('questions')}) / ${MESSAGES_FULL}.0)`,
		`CASE WHEN ${c('polls_open')} > 0 THEN ${w.answered} * ${c('polls_answered')} / ${c('polls_open')} ELSE 0 END`,
		`CASE WHEN ${c('quiz_open')} > 0 THEN ${w.correct} * ${c('quiz_correct')} / ${c('quiz_open')} ELSE 0 END`
	].join(' + ');
	const den = `${w.presence + w.hands + w.messages} + CASE WHEN ${c('polls_open')} > 0 THEN ${w.answered} ELSE 0 END + CASE WHEN ${c('quiz_open')} > 0 THEN ${w.correct} ELSE 0 END`;
	return `round(100.0 * (${num}) / (${den}), 2)`;
}

export const DEGRADED: DegradedRule = {
	text: 'a sampled minute is degraded when any network sample of the room in it has packet loss above 5 %, round-trip time above 400 ms or a stream score below 5 (of 10)',
	lossFraction: 0.05,
	rttMs: 400,
	score: 5
};

export function degradedSql(alias = ''): string {
	return `(coalesce(${alias}loss, 0) > ${DEGRADED.lossFraction} OR coalesce(${alias}rtt_ms, 0) > ${DEGRADED.rttMs} OR coalesce(${alias}score, 10) < ${DEGRADED.score})`;
}
