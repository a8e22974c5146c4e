/**
 * Chart colours. Urban and rural use the app's --urban / --rural everywhere; other series (rooms,
 * students) take calm, distinguishable colours in a fixed order, so a room keeps its colour on a page.
 */
export const URBAN = 'var(--urban)';
export const RURAL = 'var(--rural)';
export const TEACHER = 'var(--primary)';

// Violet and green stay out of this list: they mean urban and rural.
const SERIES = ['#3b6fd8', '#d08a1b', '#2f94b5', '#c2577a', '#7d8f2b', '#8a6d3b', '#64748b'];

export function seriesColor(index: number): string {
	return SERIES[index % SERIES.length] ?? SERIES[0]!;
}

export function localeColor(locale: 'urban' | 'rural' | null | undefined): string {
	return locale === 'urban' ? URBAN : locale === 'rural' ? RURAL : 'var(--text-3)';
}
