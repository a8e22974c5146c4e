/**
 * SRTP before/after benchmark (`npm run bench:srtp`).
 *
 * Runs the fan-out bench (bench/fanout.ts) against two mediasoup workers in the same run, steps
 * interleaved so both see the same machine: "before", the worker linked to Debian's libsrtp2 (NSS
 * crypto), and "after", the one scripts/build-mediasoup.sh builds now (libsrtp from Debian's source
 * with OpenSSL, static). Each SRTP suite × N is measured on both. The figure compared is the
 * worker's CPU time per packet it sent (µs), which the receiver count barely changes the meaning of.
 * Writes bench/results/srtp.json and the "SRTP through OpenSSL" table in BENCHMARKS.md.
 *
 * Env: SRTP_BEFORE_WORKER / SRTP_AFTER_WORKER (binaries; default: built and cached by
 *      `CB_SRTP=nss CB_WORKER_NO_INSTALL=1 scripts/build-mediasoup.sh` and the installed worker)
 *      SRTP_N=50,200  SRTP_SUITES=AES_CM_128_HMAC_SHA1_80,AEAD_AES_128_GCM,AEAD_AES_256_GCM
 *      SRTP_SECONDS=8  SRTP_ROUNDS=1 (each pair repeated, median kept)  SRTP_UPDATE_DOC=0
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { replaceDocBlock } from './lib/docBlock.ts';
import { runFanout } from './lib/fanoutRun.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS_DIR = resolve(ROOT, 'bench/results/srtp-runs');
const OUT = resolve(ROOT, 'bench/results/srtp.json');
const DOC = resolve(ROOT, 'BENCHMARKS.md');
const N_LIST = (process.env.SRTP_N ?? '50,200').split(',').map(Number);
const SUITES = (process.env.SRTP_SUITES ?? 'AES_CM_128_HMAC_SHA1_80,AEAD_AES_128_GCM,AEAD_AES_256_GCM').split(',');
const SECONDS = process.env.SRTP_SECONDS ?? '8';
const ROUNDS = Math.max(1, Number(process.env.SRTP_ROUNDS ?? 1));
const log = (msg: string): void => console.log(`[srtp] ${msg}`);

function beforeWorker(): string {
	if (process.env.SRTP_BEFORE_WORKER) return process.env.SRTP_BEFORE_WORKER;
	log('building (or finding in the cache) the Debian-libsrtp2 (NSS) worker');
	const out = execFileSync('bash', [resolve(ROOT, 'scripts/build-mediasoup.sh')], {
		env: { ...process.env, CB_SRTP: 'nss', CB_WORKER_NO_INSTALL: '1' },
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'inherit']
	});
	return out.trim().split('\n').at(-1) ?? '';
}

const afterWorker = (): string =>
	process.env.SRTP_AFTER_WORKER ?? resolve(ROOT, 'node_modules/mediasoup/worker/out/Release/mediasoup-worker');

/** Which crypto the binary's libsrtp uses: a dynamic libsrtp2 is Debian's (NSS). */
function srtpCrypto(bin: string): string {
	const ldd = spawnSync('ldd', [bin], { encoding: 'utf8' }).stdout ?? '';
	return /libsrtp2/.test(ldd) ? 'Debian libsrtp2 (NSS)' : 'libsrtp static (OpenSSL)';
}

interface Step {
	worker: 'before' | 'after';
	suite: string;
	receivers: number;
	workerCpuPct: number;
	packetsSent: number;
	usPerPacket: number;
	lossPct: number;
	latencyP99Ms: number | null;
	otherProcessesCpuPct: number | null;
}

function runStep(bin: string, worker: Step['worker'], suite: string, n: number, round: number): Step {
	const out = resolve(RUNS_DIR, `${worker}-${suite.toLowerCase()}-n${n}-r${round}.json`);
	const env = { MEDIASOUP_WORKER_BIN: bin, FANOUT_N: String(n), FANOUT_SECONDS: SECONDS, FANOUT_SRTP_SUITE: suite, FANOUT_RETRIES: '1', FANOUT_BUDGET_S: '90' };
	const json = runFanout<{ runs: Record<string, unknown>[] }>(env, out);
	const run = json.runs[0] as {
		workerCpuPct: number;
		measuredSeconds: number;
		consumers: number;
		packetsForwarded: number;
		lossPct: number;
		latencyP99Ms: number | null;
		otherProcessesCpuPct: number | null;
		publisher: { audioPackets: number; videoPackets: number };
	};
	// Packets the worker sent: each packet the publisher offered, once per receiver (audio and video).
	const packetsSent = (run.publisher.audioPackets + run.publisher.videoPackets) * n;
	const cpuUs = (run.workerCpuPct / 100) * run.measuredSeconds * 1e6;
	return {
		worker,
		suite,
		receivers: n,
		workerCpuPct: run.workerCpuPct,
		packetsSent,
		usPerPacket: Math.round((cpuUs / Math.max(1, packetsSent)) * 100) / 100,
		lossPct: run.lossPct,
		latencyP99Ms: run.latencyP99Ms,
		otherProcessesCpuPct: run.otherProcessesCpuPct
	};
}

const median = (xs: number[]): number => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.floor((s.length - 1) / 2)] ?? NaN;
};

function main(): void {
	mkdirSync(RUNS_DIR, { recursive: true });
	const bins = { before: beforeWorker(), after: afterWorker() };
	const crypto = { before: srtpCrypto(bins.before), after: srtpCrypto(bins.after) };
	log(`before: ${bins.before} (${crypto.before}); after: ${bins.after} (${crypto.after})`);
	const steps: Step[] = [];
	for (let round = 0; round < ROUNDS; round++) {
		for (const suite of SUITES) {
			for (const n of N_LIST) {
				// Interleaved: before and after of one pair run back to back.
				for (const worker of ['before', 'after'] as const) {
					const step = runStep(bins[worker], worker, suite, n, round);
					log(`${worker} ${suite} N=${n}: ${step.usPerPacket} µs/packet (worker ${step.workerCpuPct} % of a core, loss ${step.lossPct} %)`);
					steps.push(step);
				}
			}
		}
	}
	const rows = SUITES.flatMap((suite) =>
		N_LIST.map((n) => {
			const pick = (w: Step['worker']) => steps.filter((s) => s.worker === w && s.suite === suite && s.receivers === n);
			const before = median(pick('before').map((s) => s.usPerPacket));
			const after = median(pick('after').map((s) => s.usPerPacket));
			const cpu = (w: Step['worker']) => median(pick(w).map((s) => s.workerCpuPct));
			return { suite, receivers: n, beforeUsPerPacket: before, afterUsPerPacket: after, speedup: Math.round((before / after) * 100) / 100, beforeWorkerCpuPct: cpu('before'), afterWorkerCpuPct: cpu('after') };
		})
	);
	const json = {
		benchmark: 'srtp',
		generatedAt: new Date().toISOString(),
		machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length },
		method: 'bench/fanout.ts per step (PlainTransport+SRTP receivers, audio + video), before/after interleaved in one run; µs = worker CPU time / packets sent',
		workers: { before: crypto.before, after: crypto.after },
		seconds: Number(SECONDS),
		rounds: ROUNDS,
		results: rows,
		steps
	};
	writeFileSync(OUT, `${JSON.stringify(json, null, '\t')}\n`);
	log(`wrote ${OUT}`);
	const table = [
		'| Suite | Receivers | Worker µs / packet, NSS (before) | Worker µs / packet, OpenSSL (after) | Speed-up | Worker CPU % before / after |',
		'|---|---:|---:|---:|---:|---:|',
		...rows.map((r) => `| ${r.suite} | ${r.receivers} | ${r.beforeUsPerPacket.toFixed(2)} | ${r.afterUsPerPacket.toFixed(2)} | ${r.speedup.toFixed(2)}× | ${r.beforeWorkerCpuPct} / ${r.afterWorkerCpuPct} |`)
	].join('\n');
	console.log(table);
	if (process.env.SRTP_UPDATE_DOC === '0') return;
	const stamp = `Measured ${json.generatedAt.slice(0, 10)} on ${json.machine.cpu} (${json.machine.cores} cores), ${SECONDS} s per step, ${ROUNDS} round(s).`;
	if (!replaceDocBlock(DOC, 'srtp', `${stamp}\n\n${table}`)) log('BENCHMARKS.md has no srtp markers; table not written there');
}

main();
