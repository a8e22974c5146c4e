/**
 * Fan-out benchmark (`npm run bench:fanout`).
 *
 * One synthetic publisher (Opus + VP8 RTP into a comedia PlainTransport) is fanned out by one
 * mediasoup worker to N receivers. Each receiver is a PlainTransport with SRTP
 * (AES_CM_128_HMAC_SHA1_80) and RTCP-mux, connected to its own UDP socket in a sink worker
 * thread, with two consumers (audio + video) like a browser. Per N it reports worker CPU (from
 * worker.getResourceUsage()), consumers per fully used core, packet loss, SFU-added latency and
 * RSS, then writes bench/results/fanout.json and the results table in BENCHMARKS.md.
 *
 * Overrides (env): FANOUT_N=10,50  FANOUT_SECONDS=10  FANOUT_WARMUP=3  FANOUT_OUT=path.json
 *                  FANOUT_UPDATE_DOC=0 (leave BENCHMARKS.md alone)  FANOUT_BWE=1 (keep
 *                  transport-cc/REMB in the consumers' capabilities; off by default, see doc)
 *                  FANOUT_SRTP_SUITE=AES_CM_128_HMAC_SHA1_80  FANOUT_PACING_KBPS=2500 (0: bursts)
 *                  FANOUT_RETRIES=1 (repeats of a step whose worker had to wait for a CPU)
 *                  FANOUT_BUDGET_S=360 (time budget for waiting on a quiet machine and repeats)
 *                  FANOUT_MODE=bare|product|both (product: the real app, signalling and tokens, see
 *                  fanout/product.ts; both: bare then product per N, with the per-receiver ratio;
 *                  these write bench/results/fanout-product.json and leave BENCHMARKS.md alone)
 *                  FANOUT_PRODUCT_WORKERS=1  FANOUT_ROUTER_MAX_CONSUMERS (product mode's app settings)
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as mediasoup from 'mediasoup';
import type { SrtpCryptoSuite } from 'mediasoup/types';
import { bareRig, type RigOptions } from './fanout/bare.ts';
import { productRig } from './fanout/product.ts';
import { replaceDocBlock } from './lib/docBlock.ts';
import type { SinkResult } from './fanout/protocol.ts';
import { nowMs, sleep, type Rig } from './fanout/rig.ts';
import { OPUS_FRAME_MS, vp8NominalBitrate, vp8NominalPps } from './fanout/rtp.ts';
import { dropsDelta, machineCpuTicks, processRssMb, schedstat, udpDropsByPort, udpSnmp } from './fanout/stats.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');

// ---------------------------------------------------------------------------------------------
// Configuration

function envList(name: string, fallback: number[]): number[] {
	const raw = process.env[name];
	if (!raw) return fallback;
	const list = raw
		.split(',')
		.map((s) => Number(s.trim()))
		.filter((n) => Number.isInteger(n) && n > 0);
	if (list.length === 0) throw new Error(`${name} must be a comma-separated list of positive integers`);
	return list;
}

function envNumber(name: string, fallback: number): number {
	const raw = process.env[name];
	if (raw === undefined || raw === '') return fallback;
	const n = Number(raw);
	if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`);
	return n;
}

const RECEIVER_COUNTS = envList('FANOUT_N', [10, 50, 100, 200, 300, 400]);
const MEASURE_S = envNumber('FANOUT_SECONDS', 10);
const WARMUP_S = envNumber('FANOUT_WARMUP', 3);
const KEEP_BWE = process.env.FANOUT_BWE === '1';
const PACING_KBPS = process.env.FANOUT_PACING_KBPS === undefined ? 2500 : Number(process.env.FANOUT_PACING_KBPS);
/** FANOUT_SRTP=0 turns SRTP off: only for measuring what SRTP costs, never the headline. */
const SRTP_ON = process.env.FANOUT_SRTP !== '0';
const SRTP_SUITE = (process.env.FANOUT_SRTP_SUITE ?? 'AES_CM_128_HMAC_SHA1_80') as SrtpCryptoSuite;
const OUT_JSON = resolve(ROOT, process.env.FANOUT_OUT ?? (process.env.FANOUT_MODE && process.env.FANOUT_MODE !== 'bare' ? 'bench/results/fanout-product.json' : 'bench/results/fanout.json'));
const UPDATE_DOC = process.env.FANOUT_UPDATE_DOC !== '0';
const DOC_PATH = resolve(ROOT, 'BENCHMARKS.md');
/** Loss threshold for a run to count towards the headline figure. */
const LOSS_LIMIT_PCT = 0.5;
/** Per-socket receive buffer of the sinks (net.core.rmem_max caps it). */
const SINK_RECV_BUFFER = 2 * 1024 * 1024;
/**
 * A step counts as disturbed when other processes on the (shared) machine used more than this
 * much CPU, in % of one core, during its window; it is then repeated, up to FANOUT_RETRIES times
 * (default 1), and the least disturbed attempt is kept.
 */
const DISTURBED_OTHER_CPU_PCT = 25;
const RETRIES = process.env.FANOUT_RETRIES === undefined ? 1 : Math.max(0, Math.floor(Number(process.env.FANOUT_RETRIES)));
/**
 * Time budget of a full run (s). Waiting for a quiet machine and repeating disturbed steps only
 * happen within it, so the run always ends (about 1.5 min undisturbed, 6 min at most by default).
 */
const BUDGET_S = envNumber('FANOUT_BUDGET_S', 360);
/** Before each step, wait up to this long for other processes to use < QUIET_CORE_PCT of a core. */
const QUIET_MAX_WAIT_S = 45;
const QUIET_CORE_PCT = 30;
/**
 * bare: mediasoup alone (the headline); product: the real app and signalling (fanout/product.ts);
 * both: each N runs bare then product, interleaved, so both see the same machine.
 */
const MODE = (process.env.FANOUT_MODE ?? 'bare') as Mode;
if (!['bare', 'product', 'both'].includes(MODE)) throw new Error('FANOUT_MODE must be bare, product or both');
/** Product mode: the app's mediasoup workers and the consumers a router takes before LessonRouter pipes further. */
const PRODUCT_WORKERS = envNumber('FANOUT_PRODUCT_WORKERS', 1);
/**
 * Mode both: how many bare-then-product pairs per N. On a shared machine one pair's ratio swings by
 * ±20 %; the figure sums the CPU of every pair, so more pairs narrow it.
 */
const PAIRS = Math.max(1, Math.floor(envNumber('FANOUT_PAIRS', 1)));
const PRODUCT_ROUTER_MAX = process.env.FANOUT_ROUTER_MAX_CONSUMERS ? envNumber('FANOUT_ROUTER_MAX_CONSUMERS', 400) : undefined;

type Mode = 'bare' | 'product' | 'both';
type RunMode = 'bare' | 'product';
const log = (msg: string): void => console.log(`[fanout ${(nowMs() / 1000).toFixed(1)}s] ${msg}`);

// ---------------------------------------------------------------------------------------------
// One run

type RunResult = {
	receivers: number;
	consumers: number;
	measuredSeconds: number;
	workerCpuPct: number;
	workerUserPct: number;
	workerSysPct: number;
	consumersPerCore: number;
	/** consumers x (1 - loss) / CPU fraction: what the worker actually delivered per core. */
	deliveredConsumersPerCore: number;
	lossPct: number;
	lossAudioPct: number;
	lossVideoPct: number;
	latencyP50Ms: number | null;
	latencyP99Ms: number | null;
	latency: {
		audio: SinkResult['latencyAudio'];
		video: SinkResult['latencyVideo'];
		all: SinkResult['latencyAll'];
		directNoSfu: SinkResult['latencyDirect'];
	};
	serverRssMb: number;
	workerRssMb: number;
	nodeRssMb: number;
	packetsForwarded: number;
	egressPps: number;
	/** What the publisher offered times N (RTP + SRTP tag, no UDP/IP), not what arrived. */
	offeredEgressMbps: number;
	expectedPackets: number;
	lostPackets: number;
	streamsMissing: number;
	kernelDrops: { sinkSockets: number; sfuIngressSocket: number; sfuReceiverSockets: number };
	producerLost: number | null;
	/** bare: mediasoup alone; product: the real app and signalling (see fanout/product.ts). */
	mode: RunMode;
	/** Node process CPU less the sink (and devices) thread's: publisher + (product mode) the app's main thread and helpers. */
	nodeMainCpuPct: number | null;
	/** Worker CPU (scaled to the source's nominal packet rate) + Node main CPU per receiver, in % of one core. */
	cpuPerReceiverPct: number | null;
	nodeProcessCpuPct: number;
	sinkThreadCpuPct: number | null;
	/** Product mode: the devices' socket.io clients' thread (browsers elsewhere), left out of nodeMainCpuPct. */
	devicesThreadCpuPct: number | null;
	/** Share of the window the worker was runnable but waiting for a CPU (other load). */
	workerCpuWaitPct: number | null;
	/** CPU used by everything else on the machine (not the worker, not this Node process), in % of one core. */
	otherProcessesCpuPct: number | null;
	stealPct: number | null;
	/** How many times this N was run (repeats happen when other processes used the CPU). */
	attempts: number;
	/** Whether the machine was quiet (other processes < QUIET_CORE_PCT % of a core) before the kept attempt. */
	machineQuietAtStart: boolean;
	publisher: {
		audioPackets: number;
		videoPackets: number;
		keyFrames: number;
		keyFrameRequests: number;
		maxTimerLagMs: number;
		sendErrors: number;
	};
	setupSeconds: number;
	udpSnmpDelta: Record<string, number>;
};

function pct(n: number, d: number): number {
	return d > 0 ? (100 * n) / d : 0;
}

function r(v: number, digits = 2): number {
	const f = 10 ** digits;
	return Math.round(v * f) / f;
}

function rigFor(mode: RunMode, receivers: number): Promise<Rig> {
	const opts: RigOptions = {
		receivers,
		recvBufferBytes: SINK_RECV_BUFFER,
		pacingKbps: PACING_KBPS,
		keepBwe: KEEP_BWE,
		srtpSuite: SRTP_ON ? SRTP_SUITE : null
	};
	if (mode === 'bare') return bareRig(opts);
	if (!SRTP_ON) throw new Error('the product path always uses DTLS-SRTP; FANOUT_SRTP=0 is for the bare mode only');
	return productRig({ ...opts, workers: PRODUCT_WORKERS, routerMaxConsumers: PRODUCT_ROUTER_MAX });
}

async function runOnce(receivers: number, mode: RunMode): Promise<RunResult> {
	const rig = await rigFor(mode, receivers);
	try {
		const { sink, ready, publisher } = rig;
		const setupSeconds = (nowMs() - rig.setupStartMs) / 1000;
		log(`${mode} N=${receivers}: ${receivers} receivers / ${2 * receivers} consumers ready in ${setupSeconds.toFixed(1)} s, warming up ${WARMUP_S} s`);
		await sleep(WARMUP_S * 1000);

		// ---- measurement window
		const startedAck = sink.wait('started');
		sink.post({ type: 'start' });
		await startedAck;
		publisher.resetLag();
		const pub0 = { ...publisher.counters };
		const drops0 = udpDropsByPort();
		const snmp0 = udpSnmp();
		const ru0 = await rig.workerUsage();
		const harness0 = (await rig.harnessCpuMs?.()) ?? null;
		const node0 = process.cpuUsage();
		const sched0 = schedSum(rig.workerPids);
		const mach0 = machineCpuTicks();
		const t0 = nowMs();
		const producerLost0 = await rig.producerLost();

		let workerRssMax = 0;
		const rssTimer = setInterval(() => {
			workerRssMax = Math.max(workerRssMax, rssSum(rig.workerPids));
		}, 1000);
		await sleep(MEASURE_S * 1000);
		clearInterval(rssTimer);

		const ru1 = await rig.workerUsage();
		const node1 = process.cpuUsage();
		const harness1 = (await rig.harnessCpuMs?.()) ?? null;
		const sched1 = schedSum(rig.workerPids);
		const mach1 = machineCpuTicks();
		const t1 = nowMs();
		const pub1 = { ...publisher.counters };
		const resultP = sink.wait('result');
		sink.post({ type: 'stop' });
		const res = await resultP;
		const drops1 = udpDropsByPort();
		const snmp1 = udpSnmp();
		const producerLost1 = await rig.producerLost();
		workerRssMax = Math.max(workerRssMax, rssSum(rig.workerPids));
		const nodeRssMb = process.memoryUsage().rss / (1024 * 1024);

		// ---- derive
		const wallMs = t1 - t0;
		const workerCpuMs = ru1.utime + ru1.stime - (ru0.utime + ru0.stime);
		const cpuFraction = workerCpuMs / wallMs;
		const consumers = 2 * receivers;
		const nodeCpuMs = (node1.user + node1.system - node0.user - node0.system) / 1000;
		// The devices thread (product mode) plays browsers elsewhere: left out like the sink thread.
		const harnessMs = harness0 !== null && harness1 !== null ? harness1 - harness0 : 0;
		const sideMs = res.sinkCpuMs === null ? null : res.sinkCpuMs + harnessMs;
		// On a loaded machine the publisher falls behind and then catches up, offering more or fewer
		// packets in a window than its nominal rate; the worker's CPU follows the packets, so it is
		// scaled to the nominal rate for the per-receiver cost (the Node side works per sample, not per packet).
		const offeredPackets = pub1.audioPackets - pub0.audioPackets + pub1.videoPackets - pub0.videoPackets;
		const nominalPackets = ((1000 / OPUS_FRAME_MS + vp8NominalPps()) * wallMs) / 1000;
		const nominalScale = offeredPackets > 0 ? nominalPackets / offeredPackets : 1;
		const waitPct =
			sched0 && sched1 ? (100 * (sched1.waitNs - sched0.waitNs)) / 1e6 / wallMs : null;
		// /proc/stat ticks are USER_HZ (100/s) summed over all cores.
		const machineBusyPct = mach0 && mach1 ? (100 * (mach1.busy - mach0.busy)) / 100 / (wallMs / 1000) : null;
		const stealPct = mach0 && mach1 ? (100 * (mach1.steal - mach0.steal)) / 100 / (wallMs / 1000) : null;
		const otherPct =
			machineBusyPct === null ? null : Math.max(0, machineBusyPct - 100 * cpuFraction - (100 * nodeCpuMs) / wallMs);

		// Streams that delivered nothing at all count as fully lost for the window.
		const audioPerStream = ((pub1.audioPackets - pub0.audioPackets) * res.windowMs) / wallMs;
		const videoPerStream = ((pub1.videoPackets - pub0.videoPackets) * res.windowMs) / wallMs;
		const lostAudio = res.audio.lostInGaps + res.audio.streamsMissing * audioPerStream;
		const lostVideo = res.video.lostInGaps + res.video.streamsMissing * videoPerStream;
		const expAudio = res.audio.received + lostAudio;
		const expVideo = res.video.received + lostVideo;
		const received = res.audio.received + res.video.received;
		const lost = lostAudio + lostVideo;

		const producerLost = producerLost0 === null || producerLost1 === null ? null : producerLost1 - producerLost0;

		const snmpDelta: Record<string, number> = {};
		for (const k of ['InDatagrams', 'InErrors', 'RcvbufErrors', 'SndbufErrors']) {
			snmpDelta[k] = (snmp1[k] ?? 0) - (snmp0[k] ?? 0);
		}

		const run: RunResult = {
			receivers,
			consumers,
			measuredSeconds: r(wallMs / 1000, 2),
			workerCpuPct: r(100 * cpuFraction, 1),
			workerUserPct: r((100 * (ru1.utime - ru0.utime)) / wallMs, 1),
			workerSysPct: r((100 * (ru1.stime - ru0.stime)) / wallMs, 1),
			consumersPerCore: Math.round(consumers / cpuFraction),
			deliveredConsumersPerCore: Math.round((consumers * (1 - pct(lost, received + lost) / 100)) / cpuFraction),
			lossPct: r(pct(lost, received + lost), 3),
			lossAudioPct: r(pct(lostAudio, expAudio), 3),
			lossVideoPct: r(pct(lostVideo, expVideo), 3),
			latencyP50Ms: res.latencyAll.p50,
			latencyP99Ms: res.latencyAll.p99,
			latency: {
				audio: res.latencyAudio,
				video: res.latencyVideo,
				all: res.latencyAll,
				directNoSfu: res.latencyDirect
			},
			serverRssMb: r(workerRssMax + nodeRssMb, 1),
			workerRssMb: r(workerRssMax, 1),
			nodeRssMb: r(nodeRssMb, 1),
			packetsForwarded: res.rtpReceived,
			egressPps: Math.round((res.rtpReceived * 1000) / res.windowMs),
			offeredEgressMbps: 0,
			expectedPackets: Math.round(received + lost),
			lostPackets: Math.round(lost),
			streamsMissing: res.audio.streamsMissing + res.video.streamsMissing,
			kernelDrops: {
				sinkSockets: dropsDelta(drops0, drops1, [...ready.ports, ready.probePort]),
				sfuIngressSocket: dropsDelta(drops0, drops1, rig.ingressPorts),
				sfuReceiverSockets: dropsDelta(drops0, drops1, rig.receiverPorts)
			},
			producerLost,
			mode,
			nodeMainCpuPct: sideMs === null ? null : r((100 * (nodeCpuMs - sideMs)) / wallMs, 1),
			cpuPerReceiverPct: sideMs === null ? null : r((100 * (workerCpuMs * nominalScale + nodeCpuMs - sideMs)) / wallMs / receivers, 3),
			nodeProcessCpuPct: r((100 * nodeCpuMs) / wallMs, 1),
			sinkThreadCpuPct: res.sinkCpuMs === null ? null : r((100 * res.sinkCpuMs) / res.windowMs, 1),
			devicesThreadCpuPct: harness0 === null ? null : r((100 * harnessMs) / wallMs, 1),
			workerCpuWaitPct: waitPct === null ? null : r(waitPct, 1),
			otherProcessesCpuPct: otherPct === null ? null : r(otherPct, 1),
			stealPct: stealPct === null ? null : r(stealPct, 1),
			attempts: 1,
			machineQuietAtStart: true,
			publisher: {
				audioPackets: pub1.audioPackets - pub0.audioPackets,
				videoPackets: pub1.videoPackets - pub0.videoPackets,
				keyFrames: pub1.keyFrames - pub0.keyFrames,
				keyFrameRequests: pub1.keyFrameRequests - pub0.keyFrameRequests,
				maxTimerLagMs: r(pub1.maxTimerLagMs, 1),
				sendErrors: pub1.sendErrors - pub0.sendErrors
			},
			setupSeconds: r(setupSeconds, 1),
			udpSnmpDelta: snmpDelta
		};
		// Offered egress: every packet the publisher sent, times N (RTP + 10-byte SRTP tag).
		const perReceiverBits =
			(run.publisher.audioPackets * (12 + 100 + 10) + run.publisher.videoPackets * (12 + 1106 + 10)) * 8;
		run.offeredEgressMbps = r((perReceiverBits * receivers) / (wallMs / 1000) / 1e6, 1);
		return run;
	} finally {
		await rig.close();
	}
}

function schedSum(pids: number[]): { runNs: number; waitNs: number } | null {
	let runNs = 0;
	let waitNs = 0;
	for (const pid of pids) {
		const s = schedstat(pid);
		if (!s) return null;
		runNs += s.runNs;
		waitNs += s.waitNs;
	}
	return { runNs, waitNs };
}

const rssSum = (pids: number[]): number => pids.reduce((acc, pid) => acc + (processRssMb(pid) ?? 0), 0);

/**
 * Waits (at most maxWaitS) until the machine has been quiet for two consecutive seconds: all
 * processes together using less than QUIET_CORE_PCT % of one core while this benchmark is idle
 * between steps. Other engineers share this machine; this keeps their bursts out of the window
 * where possible. Returns whether it got quiet.
 */
async function waitForQuiet(maxWaitS: number): Promise<boolean> {
	const until = nowMs() + Math.max(0, maxWaitS) * 1000;
	let quietSeconds = 0;
	let announced = false;
	let prev = machineCpuTicks();
	if (!prev) return true;
	for (;;) {
		await sleep(1000);
		const cur = machineCpuTicks();
		if (!cur) return true;
		const busyPct = cur.busy - prev.busy; // ticks per second = % of one core
		prev = cur;
		quietSeconds = busyPct < QUIET_CORE_PCT ? quietSeconds + 1 : 0;
		if (quietSeconds >= 2) return true;
		if (nowMs() >= until) {
			if (announced) log('machine still busy; going on anyway');
			return false;
		}
		if (!announced && busyPct >= QUIET_CORE_PCT) {
			log(`other processes are using ${busyPct} % of a core; waiting up to ${Math.round(maxWaitS)} s for a quiet machine`);
			announced = true;
		}
	}
}

// ---------------------------------------------------------------------------------------------
// Reporting

function fmt(v: number | null, digits = 2): string {
	return v === null ? 'n/a' : v.toFixed(digits);
}

function sustained(x: RunResult): boolean {
	return x.lossPct < LOSS_LIMIT_PCT && x.streamsMissing === 0;
}

function markdownTable(runs: RunResult[]): string {
	const head =
		'| Receivers | Consumers | Worker CPU (% of 1 core) | Consumers / full core | Loss % | SFU latency p50 / p99 (ms) | Harness floor p50 / p99 (ms) | Worker RSS (MB) | Server RSS (MB) | Egress (pkt/s) | Worker waited for CPU (%) | Other processes (% of a core) |\n' +
		'|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|';
	const rows = runs.map(
		(x) =>
			`| ${x.receivers} | ${x.consumers} | ${x.workerCpuPct.toFixed(1)} | ${sustained(x) ? String(x.consumersPerCore) : `${x.consumersPerCore} (overloaded, not sustained)`} | ${x.lossPct.toFixed(3)} | ${fmt(x.latencyP50Ms)} / ${fmt(x.latencyP99Ms)} | ${fmt(x.latency.directNoSfu.p50)} / ${fmt(x.latency.directNoSfu.p99)} | ${x.workerRssMb.toFixed(1)} | ${x.serverRssMb.toFixed(1)} | ${x.egressPps} | ${fmt(x.workerCpuWaitPct, 1)} | ${fmt(x.otherProcessesCpuPct, 0)} |`
	);
	return [head, ...rows].join('\n');
}

function headline(runs: RunResult[]): { value: number | null; basis: string } {
	if (!SRTP_ON) return { value: null, basis: 'SRTP was off (FANOUT_SRTP=0): comparison run, no headline' };
	const ok = runs.filter(sustained);
	if (ok.length === 0) return { value: null, basis: `no run stayed under ${LOSS_LIMIT_PCT} % loss` };
	const top = ok.reduce((a, b) => (b.consumers > a.consumers ? b : a));
	return {
		value: top.consumersPerCore,
		basis:
			`consumers / worker CPU fraction at the largest N with loss < ${LOSS_LIMIT_PCT} % ` +
			`(N=${top.receivers}, ${top.consumers} consumers, worker at ${top.workerCpuPct} % of one core); ` +
			`lower N extrapolate from a lightly loaded worker and are not used`
	};
}

/** The product path is compared with bare mediasoup from this many receivers up (issue 17). */
const RATIO_FROM_N = 20;

type Comparison = {
	receivers: number;
	bare: { workerCpuPct: number; nodeMainCpuPct: number | null; cpuPerReceiverPct: number | null; lossPct: number };
	product: { workerCpuPct: number; nodeMainCpuPct: number | null; cpuPerReceiverPct: number | null; lossPct: number };
	/** Worker + Node main CPU per receiver, product ÷ bare. */
	ratio: number | null;
	workerRatio: number;
	/** Product Node main CPU above bare's, per receiver (% of a core). */
	nodeExtraPerReceiverPct: number | null;
};

function compare(runs: RunResult[]): Comparison[] {
	const pick = (x: RunResult) => ({ workerCpuPct: x.workerCpuPct, nodeMainCpuPct: x.nodeMainCpuPct, cpuPerReceiverPct: x.cpuPerReceiverPct, lossPct: x.lossPct });
	const out: Comparison[] = [];
	const productsLeft = runs.filter((x) => x.mode === 'product');
	for (const bare of runs.filter((x) => x.mode === 'bare')) {
		// Pairs in the order they ran: the first product of this N after the bare step.
		const product = productsLeft.find((x) => x.receivers === bare.receivers);
		if (!product) continue;
		productsLeft.splice(productsLeft.indexOf(product), 1);
		out.push({
			receivers: bare.receivers,
			bare: pick(bare),
			product: pick(product),
			// A step whose worker or harness was starved (loss past the limit) used the CPU it could get, not what the work costs.
			ratio: sustained(bare) && sustained(product) && bare.cpuPerReceiverPct && product.cpuPerReceiverPct ? r(product.cpuPerReceiverPct / bare.cpuPerReceiverPct, 3) : null,
			workerRatio: r(product.workerCpuPct / bare.workerCpuPct, 3),
			nodeExtraPerReceiverPct:
				bare.nodeMainCpuPct === null || product.nodeMainCpuPct === null ? null : r((product.nodeMainCpuPct - bare.nodeMainCpuPct) / bare.receivers, 3)
		});
	}
	return out;
}

/** Product ÷ bare per receiver over the steps from RATIO_FROM_N up where both sides kept loss under the limit: summed CPU over summed CPU. */
function overallRatio(rows: Comparison[]): number | null {
	const used = rows.filter((x) => x.receivers >= RATIO_FROM_N && x.ratio !== null);
	if (used.length === 0) return null;
	const sum = (f: (x: Comparison) => number) => used.reduce((a, x) => a + f(x), 0);
	return r(sum((x) => (x.product.cpuPerReceiverPct ?? 0) * x.receivers) / sum((x) => (x.bare.cpuPerReceiverPct ?? 0) * x.receivers), 3);
}

/**
 * Product ÷ bare of what one more receiver costs: the slope of (worker + Node main) CPU between the
 * smallest and the largest N >= RATIO_FROM_N, which leaves out what the app costs with no receivers.
 */
function marginalRatio(rows: Comparison[]): number | null {
	const used = rows.filter((x) => x.receivers >= RATIO_FROM_N && x.ratio !== null);
	const counts = used.map((x) => x.receivers);
	const lo = Math.min(...counts);
	const hi = Math.max(...counts);
	if (used.length === 0 || hi === lo) return null;
	// The mean total CPU of the pairs at one N (several with FANOUT_PAIRS).
	const total = (n: number, side: 'bare' | 'product') => {
		const at = used.filter((x) => x.receivers === n);
		return at.reduce((a, x) => a + (x[side].cpuPerReceiverPct ?? 0) * n, 0) / at.length;
	};
	const bare = total(hi, 'bare') - total(lo, 'bare');
	const product = total(hi, 'product') - total(lo, 'product');
	return bare > 0 ? r(product / bare, 3) : null;
}

function comparisonTable(rows: Comparison[]): string {
	const head =
		'| Receivers | Bare: worker / Node main (% of a core) | Product: worker / Node main (% of a core) | Bare per receiver (%) | Product per receiver (%) | Product ÷ bare | Worker product ÷ bare | Loss bare / product (%) |\n' +
		'|---:|---:|---:|---:|---:|---:|---:|---:|';
	const rowsMd = rows.map(
		(x) =>
			`| ${x.receivers} | ${x.bare.workerCpuPct} / ${fmt(x.bare.nodeMainCpuPct, 1)} | ${x.product.workerCpuPct} / ${fmt(x.product.nodeMainCpuPct, 1)} | ${fmt(x.bare.cpuPerReceiverPct, 3)} | ${fmt(x.product.cpuPerReceiverPct, 3)} | ${fmt(x.ratio, 2)} | ${x.workerRatio.toFixed(2)} | ${x.bare.lossPct.toFixed(3)} / ${x.product.lossPct.toFixed(3)} |`
	);
	return [head, ...rowsMd].join('\n');
}

function updateDoc(table: string, json: Record<string, unknown>): void {
	const machine = json.machine as Record<string, unknown>;
	const body =
		`_Generated ${String(json.generatedAt)} by \`npm run bench:fanout\` on ${String(machine.cpuModel)} ` +
		`(${String(machine.cores)} cores), Node ${String(machine.node)}, mediasoup ${String(machine.mediasoup)}; ` +
		`${WARMUP_S} s warm-up + ${MEASURE_S} s measured per N. ` +
		`Headline: **${String(json.consumersPerCore ?? 'n/a')} consumers per fully used core**._\n\n` +
		table;
	log(replaceDocBlock(DOC_PATH, 'fanout', body) ? 'updated the results table in BENCHMARKS.md' : 'BENCHMARKS.md has no fanout results markers; skipped the doc update');
}

/** The product ÷ bare table of a FANOUT_MODE=both run, with the machine's load next to it. */
function updateProductDoc(rows: Comparison[], runs: RunResult[], ratio: number | null): void {
	const other = runs.map((x) => x.otherProcessesCpuPct).filter((x): x is number => x !== null);
	const body =
		`_Generated ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`FANOUT_MODE=both npm run bench:fanout\`, ` +
		`${WARMUP_S} s warm-up + ${MEASURE_S} s measured per step, ${PAIRS} bare-then-product pair${PAIRS > 1 ? 's' : ''} per N (FANOUT_PAIRS; a row each), on ${cpus().length} shared cores: other processes used ` +
		`${other.length ? `${Math.min(...other).toFixed(0)}-${Math.max(...other).toFixed(0)}` : 'n/a'} % of a core during the windows, so read the ratios as ±10-20 %; ` +
		`a pair where either side lost >= ${LOSS_LIMIT_PCT} % (starved of CPU) has no ratio. ` +
		`Product ÷ bare per receiver (N >= ${RATIO_FROM_N}): **${fmt(ratio, 2)}**; ` +
		`of one more receiver (the slope between the smallest and largest N): **${fmt(marginalRatio(rows), 2)}**._\n\n` +
		comparisonTable(rows);
	log(replaceDocBlock(DOC_PATH, 'fanout-product', body) ? 'updated the product-path table in BENCHMARKS.md' : 'BENCHMARKS.md has no fanout-product markers; skipped');
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
	const mediasoupVersion = (mediasoup as { version: string }).version;
	log(
		`mediasoup ${mediasoupVersion}, N=${RECEIVER_COUNTS.join(',')}, warm-up ${WARMUP_S} s, measure ${MEASURE_S} s, ` +
			`SRTP ${SRTP_ON ? SRTP_SUITE : 'OFF (comparison only)'}, BWE feedback ${KEEP_BWE ? 'kept' : 'stripped'}`
	);
	const runs: RunResult[] = [];
	const failures: Array<{ receivers: number; mode: RunMode; error: string }> = [];
	const stepS = WARMUP_S + MEASURE_S + 4;
	const stepCount = RECEIVER_COUNTS.length * (MODE === 'both' ? 2 * PAIRS : 1);
	const deadline = nowMs() + Math.max(BUDGET_S, stepCount * stepS * 1.5) * 1000;
	const hardStop = setTimeout(
		() => {
			console.error('fanout: hard time limit reached, aborting');
			process.exit(2);
		},
		// A product-path step also starts the app and joins every client, slowly on a loaded machine.
		deadline - nowMs() + stepCount * (MODE === 'bare' ? 60_000 : 180_000)
	);
	hardStop.unref();
	/** Seconds of the budget not needed for the steps still to run once each. */
	const slackS = (stepsLeft: number): number => (deadline - nowMs()) / 1000 - stepsLeft * stepS;

	const modes: RunMode[] = MODE === 'both' ? ['bare', 'product'] : [MODE];
	const steps = RECEIVER_COUNTS.flatMap((n) => Array.from({ length: MODE === 'both' ? PAIRS : 1 }, () => modes.map((mode) => ({ n, mode }))).flat());
	for (const [i, { n, mode }] of steps.entries()) {
		const stepsLeft = steps.length - i;
		let quiet = await waitForQuiet(Math.min(QUIET_MAX_WAIT_S, slackS(stepsLeft)));
		let run: RunResult;
		try {
			run = await runOnce(n, mode);
		} catch (err) {
			// One step failing (say a product-path client timing out on an overloaded machine) leaves the others standing.
			log(`${mode} N=${n}: step failed, left out: ${err instanceof Error ? err.message : String(err)}`);
			failures.push({ receivers: n, mode, error: err instanceof Error ? err.message : String(err) });
			continue;
		}
		run.machineQuietAtStart = quiet;
		let attempts = 1;
		while (
			attempts <= RETRIES &&
			(run.otherProcessesCpuPct ?? 0) > DISTURBED_OTHER_CPU_PCT &&
			slackS(stepsLeft - 1) >= stepS
		) {
			log(
				`N=${n}: other processes used ${run.otherProcessesCpuPct ?? 'n/a'} % of a core during the window ` +
					`(the worker waited for a CPU ${run.workerCpuWaitPct ?? 'n/a'} % of it); repeating this step`
			);
			quiet = await waitForQuiet(Math.min(QUIET_MAX_WAIT_S, slackS(stepsLeft) - stepS));
			const again = await runOnce(n, mode).catch((err: unknown) => {
				log(`${mode} N=${n}: repeat failed (${err instanceof Error ? err.message : String(err)}); keeping the first attempt`);
				return null;
			});
			if (!again) break;
			again.machineQuietAtStart = quiet;
			attempts++;
			if ((again.otherProcessesCpuPct ?? 0) < (run.otherProcessesCpuPct ?? 0)) run = again;
		}
		run.attempts = attempts;
		runs.push(run);
		log(
			`${mode} N=${n}: worker CPU ${run.workerCpuPct} % (user ${run.workerUserPct}, sys ${run.workerSysPct}) -> ${run.consumersPerCore} consumers/core, loss ${run.lossPct} % ` +
				`(sink drops ${run.kernelDrops.sinkSockets}, ingress drops ${run.kernelDrops.sfuIngressSocket}), ` +
				`latency p50 ${fmt(run.latencyP50Ms)} p99 ${fmt(run.latencyP99Ms)} ms ` +
				`(direct ${fmt(run.latency.directNoSfu.p50)}/${fmt(run.latency.directNoSfu.p99)}), ` +
				`RSS worker ${run.workerRssMb} MB + node ${run.nodeRssMb} MB, ${run.egressPps} pkt/s out, ` +
				`node CPU ${run.nodeProcessCpuPct} % (sink thread ${run.sinkThreadCpuPct ?? 'n/a'} %${run.devicesThreadCpuPct === null ? '' : `, devices thread ${run.devicesThreadCpuPct} %`}, main ${run.nodeMainCpuPct ?? 'n/a'} %), ` +
				`${run.cpuPerReceiverPct ?? 'n/a'} % of a core per receiver, ` +
				`worker waited for CPU ${run.workerCpuWaitPct ?? 'n/a'} %, other processes ${run.otherProcessesCpuPct ?? 'n/a'} % of a core`
		);
	}

	const head = headline(runs.filter((x) => x.mode === 'bare'));
	const comparison = compare(runs);
	const cpu = cpus();
	const json = {
		benchmark: 'fanout',
		generatedAt: new Date().toISOString(),
		machine: {
			cpuModel: cpu[0]?.model ?? 'unknown',
			cores: cpu.length,
			memoryGiB: r(totalmem() / 1024 ** 3, 1),
			node: process.version,
			mediasoup: mediasoupVersion,
			platform: `${process.platform} ${process.arch}`,
			sharedMachine: true,
			loadAverageAtEnd: loadavg().map((x) => r(x, 2))
		},
		receiverKind: SRTP_ON ? 'PlainTransport+SRTP sinks' : 'PlainTransport sinks WITHOUT SRTP (comparison run)',
		receiverDetails:
			`one PlainTransport per receiver (rtcpMux, ${SRTP_ON ? `SRTP ${SRTP_SUITE}` : 'no SRTP'}, comedia off, connected to its own ` +
			`127.0.0.1 UDP socket in a Node worker thread), two consumers each (Opus + VP8); sinks send no RTCP` +
			(KEEP_BWE ? '' : '; transport-cc / goog-remb feedback removed from the receiver capabilities'),
		publisher: {
			kind: 'synthetic RTP from Node (no encoder) into a comedia PlainTransport',
			audio: { codec: 'opus', pps: 1000 / OPUS_FRAME_MS, payloadBytes: 100 },
			video: {
				codec: 'VP8',
				fps: 30,
				nominalKbps: Math.round(vp8NominalBitrate() / 1000),
				nominalPps: Math.round(vp8NominalPps()),
				keyFrameEverySeconds: 2,
				pacingKbps: PACING_KBPS
			}
		},
		warmupSeconds: WARMUP_S,
		measureSeconds: MEASURE_S,
		lossLimitPct: LOSS_LIMIT_PCT,
		mode: MODE,
		failures,
		consumersPerCore: head.value,
		consumersPerCoreBasis: head.basis,
		mediasoupStatedConsumersPerWorker: 500,
		...(comparison.length > 0 ? { productOverheadRatio: overallRatio(comparison), productMarginalRatio: marginalRatio(comparison), productVsBare: comparison } : {}),
		runs
	};
	mkdirSync(dirname(OUT_JSON), { recursive: true });
	writeFileSync(OUT_JSON, `${JSON.stringify(json, null, 2)}\n`);
	log(`wrote ${OUT_JSON}`);

	const table = markdownTable(runs);
	console.log(`\n${table}\n`);
	console.log(`consumersPerCore (headline): ${String(head.value)} - ${head.basis}`);
	if (UPDATE_DOC && MODE === 'bare') updateDoc(table, json);
	if (UPDATE_DOC && comparison.length > 0) updateProductDoc(comparison, runs, overallRatio(comparison));
	if (comparison.length > 0) console.log(`\n${comparisonTable(comparison)}\n\nproduct ÷ bare per receiver (N >= ${RATIO_FROM_N}): ${String(overallRatio(comparison))}`);
	clearTimeout(hardStop);
}

main().then(
	() => process.exit(0),
	(err: unknown) => {
		console.error(err);
		process.exit(1);
	}
);
