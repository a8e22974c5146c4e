import { readFileSync } from 'node:fs';

export { summary } from '../lib/summary.ts';

/**
 * When each answer reached the teacher's histogram: the k-th answer sent (by send time) is in at the
 * first results notification whose answered count is at least k.
 */
export function inclusionLatencies(sends: number[], updates: { at: number; answered: number }[]): { values: number[]; missing: number } {
	const sent = [...sends].sort((a, b) => a - b);
	const seen = [...updates].sort((a, b) => a.at - b.at);
	const values: number[] = [];
	let u = 0;
	for (let k = 1; k <= sent.length; k++) {
		while (u < seen.length && seen[u]!.answered < k) u++;
		if (u === seen.length) return { values, missing: sent.length - values.length };
		values.push(seen[u]!.at - sent[k - 1]!);
	}
	return { values, missing: 0 };
}

export interface MachineSample {
	/** CPU time spent busy on all cores so far (ms), from /proc/stat. */
	busyMs: number;
}

export function machineBusy(): MachineSample {
	const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
	const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
	const ticks = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
	return { busyMs: ticks * 10 }; // USER_HZ is 100
}
