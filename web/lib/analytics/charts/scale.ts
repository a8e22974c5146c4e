/** Axis helpers shared by the SVG charts: round tick values and a linear map from data to pixels. */

/**
 * About `count` round tick values covering [0, max] (1, 2, 2.5 or 5 times a power of ten apart);
 * `integer` keeps them whole (for counts of people or events).
 */
export function niceTicks(max: number, count = 4, integer = false): number[] {
	if (!(max > 0)) return [0, 1];
	const raw = max / count;
	const power = 10 ** Math.floor(Math.log10(raw));
	const found = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw && (!integer || Number.isInteger(s))) ?? raw;
	const step = integer ? Math.max(1, Math.ceil(found)) : found;
	const ticks: number[] = [];
	for (let v = 0; v < max + step * 0.999; v += step) ticks.push(Number(v.toFixed(10)));
	return ticks;
}

/** Maps a value in [d0, d1] onto [r0, r1]. */
export function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
	const span = d1 - d0 || 1;
	return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

/** The largest finite value, or `fallback` when there is none. */
export function maxOf(values: Iterable<number | null | undefined>, fallback = 0): number {
	let max = -Infinity;
	for (const v of values) if (typeof v === 'number' && Number.isFinite(v) && v > max) max = v;
	return max === -Infinity ? fallback : max;
}
