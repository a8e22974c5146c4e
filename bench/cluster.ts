/**
 * Cluster benchmark (`npm run bench:cluster`): three server processes on one redis-server, as
 * app/cluster.test.ts runs them, measured instead of asserted:
 *
 * - what forwarding through an edge node adds to a request's round trip (classList.get from an
 *   assistant on the origin and one on an edge, taken in turns), p50 and p99;
 * - edge failover: kill -9 of the edge → its client joined again through another node;
 * - origin failover: kill -9 of the origin → the teacher and a room joined again on a new origin.
 *
 * Writes bench/results/cluster.json and the three figures into bench/results/scale.json
 * (crossNodeAddedLatencyP99Ms, edgeFailoverSeconds, originFailoverSeconds), and the table between
 * the cluster markers of BENCHMARKS.md.
 * Env: CLUSTER_ROUNDS=3  CLUSTER_REQUESTS=300  SCALE_UPDATE_DOC=0 (leave BENCHMARKS.md alone)
 */

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterScaleFields, measureCluster } from './lib/clusterRun.ts';
import { replaceDocBlock } from './lib/docBlock.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.env.CLUSTER_ROUNDS ?? '3');
const REQUESTS = Number(process.env.CLUSTER_REQUESTS ?? '300');

async function main(): Promise<void> {
	console.log(`[cluster] ${ROUNDS} rounds of 3 nodes, ${REQUESTS} requests each way per round`);
	const figures = await measureCluster(ROUNDS, REQUESTS);
	const json = {
		benchmark: 'cluster',
		generatedAt: new Date().toISOString(),
		machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, loadAverageAtEnd: loadavg().map((x) => Math.round(x * 100) / 100) },
		design: "each live lesson is served by one origin node; other nodes forward its sockets and lesson requests there, and hold their participants' media, piped to and from the origin",
		...figures
	};
	writeFileSync(resolve(ROOT, 'bench/results/cluster.json'), `${JSON.stringify(json, null, '\t')}\n`);

	const scaleFile = resolve(ROOT, 'bench/results/scale.json');
	if (existsSync(scaleFile)) {
		const scale = JSON.parse(readFileSync(scaleFile, 'utf8')) as Record<string, unknown>;
		for (const key of ['crossNodeAddedLatencyP99MsReason', 'edgeFailoverSecondsReason', 'originFailoverSecondsReason']) delete scale[key];
		Object.assign(scale, clusterScaleFields(figures, json.generatedAt));
		writeFileSync(scaleFile, `${JSON.stringify(scale, null, '\t')}\n`);
	}

	const table = [
		`Measured ${json.generatedAt.slice(0, 16).replace('T', ' ')} UTC on ${json.machine.cpu} (${json.machine.cores} cores, shared; load average at the end ${json.machine.loadAverageAtEnd.join(', ')}), ${ROUNDS} rounds.`,
		'',
		'| Figure | p50 | p99 | max |',
		'|---|---:|---:|---:|',
		`| request straight to the origin (ms) | ${figures.direct.p50Ms} | ${figures.direct.p99Ms} | ${figures.direct.maxMs} |`,
		`| request through an edge node (ms) | ${figures.viaEdge.p50Ms} | ${figures.viaEdge.p99Ms} | ${figures.viaEdge.maxMs} |`,
		`| added by forwarding (ms) | ${figures.forwardedAddedMs.p50} | ${figures.forwardedAddedMs.p99} | |`,
		`| media: RTP read on the origin (ms) | ${figures.media.origin.p50Ms} | ${figures.media.origin.p99Ms} | |`,
		`| media: RTP read on an edge, through the SRTP pipe (ms) | ${figures.media.edge.p50Ms} | ${figures.media.edge.p99Ms} | |`,
		`| media: added by the pipe (ms) | | ${figures.media.addedP99Ms} | |`,
		'',
		'| Failover (kill -9) | each round (s) |',
		'|---|---|',
		`| edge node: its client back through another node | ${figures.edgeFailoverSeconds.join(', ')} |`,
		`| origin: teacher and room back on a new origin | ${figures.originFailoverSeconds.join(', ')} |`
	].join('\n');
	console.log(table);
	if (process.env.SCALE_UPDATE_DOC !== '0' && !replaceDocBlock(resolve(ROOT, 'BENCHMARKS.md'), 'cluster', table)) console.log('[cluster] BENCHMARKS.md has no cluster markers; table not written there');
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		console.error(error);
		process.exit(1);
	}
);
