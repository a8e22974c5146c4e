/**
 * Scale benchmark (`npm run bench:scale`): the figures of issue 17 in one file,
 * bench/results/scale.json, each from bench/fanout.ts runs (one process per run):
 *
 * - consumersPerCore: bare mediasoup, one worker, OpenSSL SRTP (AES_CM_128_HMAC_SHA1_80).
 * - receiversPerLessonPerNode: the product path with one worker per core, the lesson spread over
 *   them by LessonRouter (MEDIASOUP_ROUTER_MAX_CONSUMERS set so each worker gets its share); the
 *   largest N with loss < 0.5 % and SFU p99 latency < 50 ms.
 * - productOverheadRatio: product path ÷ bare mediasoup, worker + Node main-thread CPU per
 *   receiver, bare and product interleaved per N in one run.
 * - crossNodeAddedLatencyP99Ms, edgeFailoverSeconds, originFailoverSeconds: three server processes
 *   on one redis-server (bench/lib/clusterRun.ts; `npm run bench:cluster` runs that part alone).
 *
 * Env: SCALE_CORE_N=100,200  SCALE_LESSON_N=32,48,64  SCALE_RATIO_N=20,40,64  SCALE_RATIO_PAIRS=2  SCALE_SECONDS=8
 *      SCALE_CLUSTER_ROUNDS=2
 *      SCALE_UPDATE_DOC=0 (leave BENCHMARKS.md alone)
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { replaceDocBlock } from './lib/docBlock.ts';
import { runFanout } from './lib/fanoutRun.ts';
import { clusterScaleFields, measureCluster } from './lib/clusterRun.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = resolve(ROOT, 'bench/results/scale-runs');
const OUT = resolve(ROOT, 'bench/results/scale.json');
const SECONDS = process.env.SCALE_SECONDS ?? '8';
const CORE_N = process.env.SCALE_CORE_N ?? '100,200';
const LESSON_N = (process.env.SCALE_LESSON_N ?? '32,48,64').split(',').map(Number);
const RATIO_N = process.env.SCALE_RATIO_N ?? '20,40,64';
/** Bare-then-product pairs per N for the ratio: one pair swings ±20 % on a shared machine. */
const RATIO_PAIRS = process.env.SCALE_RATIO_PAIRS ?? '2';
const SUITE = 'AES_CM_128_HMAC_SHA1_80';
const LOSS_LIMIT_PCT = 0.5;
const P99_LIMIT_MS = 50;
const log = (msg: string): void => console.log(`[scale] ${msg}`);

type Run = {
	receivers: number;
	mode: 'bare' | 'product';
	workerCpuPct: number;
	lossPct: number;
	latencyP99Ms: number | null;
	streamsMissing: number;
	cpuPerReceiverPct: number | null;
	otherProcessesCpuPct: number | null;
};
type FanoutJson = { consumersPerCore: number | null; consumersPerCoreBasis: string; productOverheadRatio?: number | null; productMarginalRatio?: number | null; productVsBare?: unknown[]; runs: Run[] };

/** Short steps, short waits for a quiet machine: the whole benchmark stays within ~5 minutes. */
const common = { FANOUT_SECONDS: SECONDS, FANOUT_WARMUP: '2', FANOUT_RETRIES: '0', FANOUT_BUDGET_S: '20', FANOUT_SRTP_SUITE: SUITE };

async function main(): Promise<void> {
	mkdirSync(RUNS, { recursive: true });
	const workers = cpus().length;

	log(`consumers per core: bare, one worker, N=${CORE_N}`);
	const core = runFanout<FanoutJson>({ ...common, FANOUT_MODE: 'bare', FANOUT_N: CORE_N }, resolve(RUNS, 'core.json'));

	log(`one lesson over ${workers} workers (LessonRouter), product path, N=${LESSON_N.join(',')}`);
	const lessonRuns: Run[] = [];
	for (const n of LESSON_N) {
		// Each worker's router takes its share of the consumers (two per receiver) before the next one opens.
		const perRouter = Math.ceil((2 * n) / workers);
		try {
			const json = runFanout<FanoutJson>(
				{ ...common, FANOUT_MODE: 'product', FANOUT_N: String(n), FANOUT_PRODUCT_WORKERS: String(workers), FANOUT_ROUTER_MAX_CONSUMERS: String(perRouter) },
				resolve(RUNS, `lesson-n${n}.json`)
			);
			lessonRuns.push(...json.runs);
		} catch (err) {
			log(`lesson N=${n} left out: ${err instanceof Error ? err.message : String(err)}`);
		}
	}
	const within = lessonRuns.filter((x) => x.lossPct < LOSS_LIMIT_PCT && x.streamsMissing === 0 && x.latencyP99Ms !== null && x.latencyP99Ms < P99_LIMIT_MS);
	const best = within.reduce<Run | null>((a, x) => (a === null || x.receivers > a.receivers ? x : a), null);

	log(`product ÷ bare, interleaved, N=${RATIO_N}`);
	// This run also writes the product ÷ bare table of BENCHMARKS.md (a 'both' run leaves the bare table alone).
	const ratio = runFanout<FanoutJson>(
		{ ...common, FANOUT_MODE: 'both', FANOUT_N: RATIO_N, FANOUT_PAIRS: RATIO_PAIRS, FANOUT_UPDATE_DOC: process.env.SCALE_UPDATE_DOC === '0' ? '0' : '1' },
		resolve(RUNS, 'ratio.json')
	);

	log('three nodes on one Redis: forwarding and failover');
	const cluster = clusterScaleFields(await measureCluster(Number(process.env.SCALE_CLUSTER_ROUNDS ?? '2'), 200), new Date().toISOString());
	const json = {
		benchmark: 'scale',
		generatedAt: new Date().toISOString(),
		machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: workers, sharedMachine: true, loadAverageAtEnd: loadavg().map((x) => Math.round(x * 100) / 100) },
		caveat: 'a 2-core machine shared with other engineers running tests: the runs record the CPU other processes used (otherProcessesCpuPct); figures are noisy and low N is used on purpose',
		consumersPerCore: core.consumersPerCore,
		consumersPerCoreBasis: `bare mediasoup, one worker, OpenSSL libsrtp, ${SUITE}: ${core.consumersPerCoreBasis}`,
		receiversPerLessonPerNode: best?.receivers ?? null,
		receiversPerLessonPerNodeBasis:
			`product path (real app, signalling, DTLS-SRTP receive transports), ${workers} workers, one lesson spread by LessonRouter; ` +
			`largest N tried (${LESSON_N.join(', ')}) with loss < ${LOSS_LIMIT_PCT} % and SFU p99 < ${P99_LIMIT_MS} ms` +
			(best && best.receivers === Math.max(...LESSON_N) ? '; every N tried passed, so this is a lower bound: a lesson takes 64 classroom devices, the only receivers of its media besides one observer' : ''),
		productOverheadRatio: ratio.productOverheadRatio ?? null,
		productOverheadRatioBasis: `worker + Node main-thread CPU per receiver, product ÷ bare, summed over the N >= 20 steps of one interleaved run (${RATIO_PAIRS} bare-then-product pairs per N); Node main is the bench process less its sink thread and the devices' socket.io clients' thread (browsers elsewhere)`,
		productMarginalRatio: ratio.productMarginalRatio ?? null,
		productMarginalRatioBasis: 'the same, of one more receiver: slope between the smallest and largest N (leaves out what the app costs with no receivers)',
		...cluster,
		lessonRuns: lessonRuns.map((x) => ({ receivers: x.receivers, workerCpuPct: x.workerCpuPct, lossPct: x.lossPct, latencyP99Ms: x.latencyP99Ms, otherProcessesCpuPct: x.otherProcessesCpuPct })),
		productVsBare: ratio.productVsBare ?? [],
		runFiles: 'bench/results/scale-runs/'
	};
	writeFileSync(OUT, `${JSON.stringify(json, null, '\t')}\n`);
	log(`wrote ${OUT}`);

	const cell = (v: number | null, unit = '') => (v === null ? 'n/a' : `${v}${unit}`);
	const table = [
		`Measured ${json.generatedAt.slice(0, 16).replace('T', ' ')} UTC on ${json.machine.cpu} (${workers} cores, shared: other processes used ` +
			`${lessonRuns.map((x) => cell(x.otherProcessesCpuPct, ' %')).join(', ')} of a core during the lesson steps), ${SECONDS} s per step.`,
		'',
		'| Figure | Value | How |',
		'|---|---:|---|',
		`| consumersPerCore | ${cell(json.consumersPerCore)} | bare, one worker, ${SUITE} |`,
		`| receiversPerLessonPerNode | ${cell(json.receiversPerLessonPerNode)} | product path, ${workers} workers via LessonRouter, loss < ${LOSS_LIMIT_PCT} %, p99 < ${P99_LIMIT_MS} ms |`,
		`| productOverheadRatio | ${cell(json.productOverheadRatio)} | (worker + Node main) CPU per receiver, product ÷ bare, N = ${RATIO_N} |`,
		`| (marginal: one more receiver) | ${cell(json.productMarginalRatio)} | slope between the smallest and largest N |`,
		`| crossNodeAddedLatencyP99Ms | ${cell(cluster.crossNodeAddedLatencyP99Ms as number | null)} | RTP read on an edge through the SRTP pipe, p99 minus read on the origin (one machine; the network between nodes adds its own) |`,
		`| edgeFailoverSeconds | ${cell(cluster.edgeFailoverSeconds as number | null)} | kill -9 of an edge: its client back through another node (median) |`,
		`| originFailoverSeconds | ${cell(cluster.originFailoverSeconds as number | null)} | kill -9 of the origin: teacher and room back on a new origin (median) |`,
		'',
		'| Lesson over all workers: receivers | Worker CPU, all workers (% of a core) | Loss % | SFU p99 (ms) |',
		'|---:|---:|---:|---:|',
		...lessonRuns.map((x) => `| ${x.receivers} | ${x.workerCpuPct} | ${x.lossPct.toFixed(3)} | ${cell(x.latencyP99Ms)} |`)
	].join('\n');
	console.log(table);
	if (process.env.SCALE_UPDATE_DOC !== '0' && !replaceDocBlock(resolve(ROOT, 'BENCHMARKS.md'), 'scale', table)) log('BENCHMARKS.md has no scale markers; table not written there');
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		console.error(error);
		process.exit(1);
	}
);
