/** Rounds to `d` decimals (reports). */
export const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: number[], p: number): number {
	if (sorted.length === 0) return NaN;
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** p50/p90/p99/max of latencies in ms. */
export function summary(values: number[]) {
	const s = [...values].sort((a, b) => a - b);
	return { samples: s.length, p50Ms: round(percentile(s, 50)), p90Ms: round(percentile(s, 90)), p99Ms: round(percentile(s, 99)), maxMs: round(s.at(-1) ?? NaN) };
}
