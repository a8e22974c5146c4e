import { i18n, t } from '../i18n/index.svelte.ts';

/** Number formats of the analytics pages; null (no data) always shows as a dash. */

export const DASH = '—';

/** 0..1 as a whole percentage ("67%"). */
export function pct(value: number | null | undefined): string {
	return value === null || value === undefined ? DASH : `${Math.round(value * 100)}%`;
}

/** A difference of two shares in percentage points ("−25 pts"). */
export function points(value: number): string {
	return t('analytics.points', { n: Math.round(value * 100) });
}

export function count(value: number | null | undefined): string {
	return value === null || value === undefined ? DASH : new Intl.NumberFormat(i18n.locale).format(value);
}

export function decimal(value: number | null | undefined, digits = 1): string {
	return value === null || value === undefined
		? DASH
		: new Intl.NumberFormat(i18n.locale, { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(value);
}

export function score(value: number | null | undefined): string {
	return value === null || value === undefined ? DASH : String(Math.round(value));
}

/** Whole minutes ("12 min"). */
export function minutes(value: number | null | undefined): string {
	return value === null || value === undefined ? DASH : t('analytics.unit.minutes', { n: decimal(value, 1) });
}

/** A duration in ms as minutes and seconds ("3 min 05 s", "45 s"). */
export function duration(ms: number | null | undefined): string {
	if (ms === null || ms === undefined) return DASH;
	const total = Math.round(ms / 1000);
	const m = Math.floor(total / 60);
	const s = total % 60;
	return m > 0 ? t('analytics.unit.minSec', { m, s: String(s).padStart(2, '0') }) : t('analytics.unit.seconds', { n: s });
}

export function date(ms: number): string {
	return new Intl.DateTimeFormat(i18n.locale, { dateStyle: 'medium' }).format(ms);
}

export function shortDate(ms: number): string {
	return new Intl.DateTimeFormat(i18n.locale, { month: 'short', day: 'numeric' }).format(ms);
}

export function dateTime(ms: number): string {
	return i18n.dateTime(ms);
}

export function clock(ms: number): string {
	return new Intl.DateTimeFormat(i18n.locale, { hour: '2-digit', minute: '2-digit' }).format(ms);
}

export function bytes(n: number): string {
	if (n < 1024) return `${n} B`;
	if (n < 1024 * 1024) return `${decimal(n / 1024, 1)} KB`;
	return `${decimal(n / 1024 / 1024, 1)} MB`;
}

/** A lesson's length: whole minutes, or minutes and seconds under one minute. */
export function lessonLength(minutesLong: number): string {
	return minutesLong >= 1 ? t('analytics.unit.minutes', { n: decimal(minutesLong, 0) }) : duration(minutesLong * 60_000);
}

/** Short axis labels for lessons: the date, with the time where two lessons share a date. */
export function lessonLabels(lessons: { lessonId: string; startedAt: number }[]): Map<string, string> {
	const dates = lessons.map((l) => shortDate(l.startedAt));
	const repeated = new Set(dates.filter((d, i) => dates.indexOf(d) !== i));
	return new Map(lessons.map((l, i) => [l.lessonId, repeated.has(dates[i] ?? '') ? `${dates[i]} ${clock(l.startedAt)}` : (dates[i] ?? '')]));
}
