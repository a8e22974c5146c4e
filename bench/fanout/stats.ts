/** Small measurement helpers: sample buffers, percentiles and /proc readers (Linux only). */

import { readFileSync } from 'node:fs';
import type { LatencySummary } from './protocol.ts';

/** Append-only Float64 sample buffer that grows by doubling. */
export class Samples {
	private data: Float64Array;
	length = 0;

	constructor(initial = 4096) {
		this.data = new Float64Array(initial);
	}

	push(v: number): void {
		if (this.length === this.data.length) {
			const next = new Float64Array(this.data.length * 2);
			next.set(this.data);
			this.data = next;
		}
		this.data[this.length++] = v;
	}

	clear(): void {
		this.length = 0;
	}

	view(): Float64Array {
		return this.data.subarray(0, this.length);
	}
}

function round(v: number, digits = 3): number {
	const f = 10 ** digits;
	return Math.round(v * f) / f;
}

/** Nearest-rank percentiles of the given samples (milliseconds in, milliseconds out). */
export function summarize(...parts: Float64Array[]): LatencySummary {
	let n = 0;
	for (const p of parts) n += p.length;
	if (n === 0) return { count: 0, p50: null, p90: null, p99: null, p999: null, max: null, mean: null };
	const all = new Float64Array(n);
	let o = 0;
	for (const p of parts) {
		all.set(p, o);
		o += p.length;
	}
	all.sort();
	let sum = 0;
	for (let i = 0; i < n; i++) sum += all[i] ?? 0;
	const at = (q: number): number => all[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))] ?? 0;
	return {
		count: n,
		p50: round(at(0.5)),
		p90: round(at(0.9)),
		p99: round(at(0.99)),
		p999: round(at(0.999)),
		max: round(all[n - 1] ?? 0),
		mean: round(sum / n)
	};
}

/** utime + stime (ms) of the calling thread, from /proc/thread-self/stat; null off Linux. */
export function threadCpuMs(): number | null {
	try {
		return statCpuMs(readFileSync('/proc/thread-self/stat', 'utf8'));
	} catch {
		return null;
	}
}

/** utime + stime (ms) of a whole process so far, from /proc/<pid>/stat; null when it cannot be read. */
export function processCpuMs(pid: number): number | null {
	try {
		return statCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
	} catch {
		return null;
	}
}

const CLOCK_TICKS_PER_S = 100; // USER_HZ on Linux (getconf CLK_TCK)

function statCpuMs(stat: string): number | null {
	// The command name (field 2) may contain spaces; fields after the closing ')' are fixed.
	const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	// rest[0] is field 3 (state); utime is field 14, stime field 15.
	const utime = Number(rest[11]);
	const stime = Number(rest[12]);
	if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
	return ((utime + stime) * 1000) / CLOCK_TICKS_PER_S;
}

/** VmRSS of a process in MiB, or null. */
export function processRssMb(pid: number): number | null {
	try {
		const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		return m?.[1] ? Number(m[1]) / 1024 : null;
	} catch {
		return null;
	}
}

/**
 * Per-local-port receive drop counters of IPv4 UDP sockets (the last column of /proc/net/udp):
 * packets the kernel discarded because the socket's receive buffer was full.
 */
export function udpDropsByPort(): Map<number, number> {
	const out = new Map<number, number>();
	let text: string;
	try {
		text = readFileSync('/proc/net/udp', 'utf8');
	} catch {
		return out;
	}
	const lines = text.split('\n');
	for (let i = 1; i < lines.length; i++) {
		const cols = (lines[i] ?? '').trim().split(/\s+/);
		if (cols.length < 13) continue;
		const local = cols[1] ?? '';
		const port = parseInt(local.slice(local.indexOf(':') + 1), 16);
		const drops = Number(cols[cols.length - 1]);
		if (Number.isFinite(port) && Number.isFinite(drops)) out.set(port, (out.get(port) ?? 0) + drops);
	}
	return out;
}

/** Sum of drops over the given ports between two snapshots. */
export function dropsDelta(before: Map<number, number>, after: Map<number, number>, ports: Iterable<number>): number {
	let d = 0;
	for (const p of ports) d += (after.get(p) ?? 0) - (before.get(p) ?? 0);
	return d;
}

/** Machine-wide UDP counters from /proc/net/snmp (InErrors, RcvbufErrors, SndbufErrors). */
export function udpSnmp(): Record<string, number> {
	try {
		const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
		const names = (lines[0] ?? '').split(/\s+/).slice(1);
		const values = (lines[1] ?? '').split(/\s+/).slice(1).map(Number);
		const out: Record<string, number> = {};
		names.forEach((n, i) => {
			out[n] = values[i] ?? 0;
		});
		return out;
	} catch {
		return {};
	}
}

/**
 * Scheduler statistics of a process's main thread (/proc/<pid>/schedstat): nanoseconds spent on
 * a CPU and nanoseconds spent runnable but waiting for one. The waiting time is how much the
 * process was held back by other load on the machine.
 */
export function schedstat(pid: number): { runNs: number; waitNs: number } | null {
	try {
		const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
		if (run === undefined || wait === undefined || !Number.isFinite(run) || !Number.isFinite(wait)) return null;
		return { runNs: run, waitNs: wait };
	} catch {
		return null;
	}
}

/** Machine-wide busy and total CPU ticks, all cores together (/proc/stat "cpu" line). */
export function machineCpuTicks(): { busy: number; total: number; steal: number } | null {
	try {
		const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
		const v = line.trim().split(/\s+/).slice(1).map(Number);
		const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = v;
		const busy = user + nice + system + irq + softirq + steal;
		return { busy, total: busy + idle + iowait, steal };
	} catch {
		return null;
	}
}
