/**
 * Analytics benchmark (`npm run bench:analytics`).
 *
 * Builds a synthetic year of a district (bench/analytics/district.ts: 200 rooms, ~4,750 lessons,
 * 10 million events by default) in a DuckDB file through the real writer (EventWriter: batches of
 * ANALYTICS_BATCH, DuckDB's Appender), then summarises the settled lessons and times every
 * dashboard query through AnalyticsService, the same calls the HTTP handlers make, each repeated
 * with varying lessons, classrooms and date windows. Reports ingest rate, p50/p95/max per query,
 * peak RSS and the file size; writes bench/results/analytics.json and the BENCHMARKS.md section.
 *
 * Overrides (env): ANALYTICS_BENCH_EVENTS=10000000  ANALYTICS_BENCH_REPS=20  ANALYTICS_BENCH_BATCH=5000 (the ANALYTICS_BATCH default)
 *                  ANALYTICS_BENCH_OUT=path.json  ANALYTICS_BENCH_UPDATE_DOC=0 (leave BENCHMARKS.md alone)
 *                  ANALYTICS_BENCH_KEEP=1 (keep the DuckDB file and print its path)
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path, { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AnalyticsService } from '../analytics/AnalyticsService.ts';
import { District, ROOMS, STUDENTS_PER_ROOM } from './analytics/district.ts';
import { percentile, round } from './lib/summary.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const EVENTS = Number(process.env.ANALYTICS_BENCH_EVENTS ?? 10_000_000);
const REPS = Number(process.env.ANALYTICS_BENCH_REPS ?? 20);
const BATCH = Number(process.env.ANALYTICS_BENCH_BATCH ?? 5000);
const OUT = process.env.ANALYTICS_BENCH_OUT ?? resolve(HERE, 'results/analytics.json');
const YEAR_START = Date.UTC(2025, 8, 1);
const TARGET_MS = 300;

let rssPeak = 0;
const sampleRss = () => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss));

async function main(): Promise<void> {
	const dir = await mkdtemp(path.join(tmpdir(), 'cb-analytics-bench-'));
	const file = path.join(dir, 'classbridge.duckdb');
	const district = new District();
	const analytics = await AnalyticsService.open({
		file,
		exportDir: path.join(dir, 'exports'),
		flushMs: 250,
		batchSize: BATCH,
		settleMs: 3_600_000,
		retentionDays: null,
		homePage: 'http://classbridge.bench',
		secret: new Uint8Array(32).fill(9),
		catalog: district,
		signApiToken: async (id) => id,
		// The bench summarises once after ingest; the server's timer would summarise these past lessons mid-ingest.
		background: false
	});
	const rssTimer = setInterval(sampleRss, 200);

	// Ingest: everything through the writer, as the bus would hand it over, flushing as the writer does.
	console.log(`ingesting ${EVENTS.toLocaleString()} events (batches of ${BATCH})…`);
	let generated = 0;
	let generateMs = 0;
	const ingestStart = performance.now();
	let days = 0;
	for (let gen = district.daysUpTo(EVENTS, YEAR_START), t0 = performance.now(), next = gen.next(); !next.done; t0 = performance.now(), next = gen.next()) {
		generateMs += performance.now() - t0;
		for (const event of next.value) analytics.ingest(event);
		generated += next.value.length;
		// Let the queued batches drain before the next day (the bus does not wait; a day is ~50k events).
		await analytics.writer.flush();
		if (++days % 20 === 0) console.log(`  ${generated.toLocaleString()} events, ${days} school days`);
	}
	await analytics.writer.flush();
	const ingestMs = performance.now() - ingestStart - generateMs;
	const written = analytics.writer.written;
	console.log(`ingested ${written.toLocaleString()} in ${round(ingestMs / 1000)} s (+${round(generateMs / 1000)} s generating)`);

	const summarizeStart = performance.now();
	const lessons = await analytics.settle(true);
	const summarizeMs = performance.now() - summarizeStart;
	console.log(`summarised ${lessons} lessons in ${round(summarizeMs / 1000)} s`);
	await analytics.store.exec('CHECKPOINT');
	const fileMb = (await stat(file)).size / 1024 / 1024;

	// The dashboard queries, each with varying inputs.
	const allLessons = district.lessons().map((l) => l.id);
	const pick = <T>(list: T[], i: number) => list[(i * 7919) % list.length]!;
	const monthStart = (i: number) => YEAR_START + ((i * 31) % 270) * 86_400_000;
	const room = (i: number) => `cls_${(i * 37) % ROOMS}`;
	const student = (i: number) => `stu_${(i * 37) % ROOMS}_${i % STUDENTS_PER_ROOM}`;
	const queries: Record<string, (i: number) => Promise<unknown>> = {
		'lesson list (year)': () => analytics.lessons({}),
		'lesson list (a month, one classroom)': (i) => analytics.lessons({ from: monthStart(i), to: monthStart(i) + 30 * 86_400_000, classroomId: [room(i)] }),
		'lesson dashboard': (i) => analytics.dashboard(pick(allLessons, i)),
		'lesson dashboard (one classroom)': (i) => analytics.dashboard(pick(allLessons, i + 1), [district.lessons().find((l) => l.id === pick(allLessons, i + 1))!.classroomIds[1]!]),
		'trends: classrooms (year, 200 series)': () => analytics.trends({ scope: 'classroom' }),
		'trends: one classroom (year)': (i) => analytics.trends({ scope: 'classroom', id: room(i) }),
		'trends: schools (year)': () => analytics.trends({ scope: 'school' }),
		'trends: one student (year)': (i) => analytics.trends({ scope: 'student', id: student(i) }),
		'trends: students of a classroom (a month)': (i) => analytics.trends({ scope: 'student', classroomId: [room(i)], from: monthStart(i), to: monthStart(i) + 30 * 86_400_000 }),
		'urban vs rural (year)': () => analytics.compare({}),
		'urban vs rural (a month)': (i) => analytics.compare({ from: monthStart(i), to: monthStart(i) + 30 * 86_400_000 }),
		'early warnings (year, last 6 lessons, drop 0.2)': () => analytics.warnings({ lessons: 6, drop: 0.2 }),
		'early warnings (a month, last 4, one classroom)': (i) => analytics.warnings({ lessons: 4, drop: 0.2, from: monthStart(i), to: monthStart(i) + 30 * 86_400_000, classroomId: [room(i)] }),
		'data API: events page (100)': async (i) => analytics.data.events({ limit: 100, lessonId: pick(allLessons, i) }),
		'data API: events page deep in the year (100)': async (i) => analytics.data.events({ limit: 100, cursor: Buffer.from(JSON.stringify([Math.floor(written * ((i % 10) / 10))])).toString('base64url') }),
		'data API: summaries page (100)': async (i) => analytics.data.summaries({ limit: 100, from: monthStart(i) })
	};
	const results: Record<string, { p50Ms: number; p95Ms: number; maxMs: number; samples: number }> = {};
	for (const [name, run] of Object.entries(queries)) {
		await run(0); // warm: the first call of a shape pays for planning and cold pages
		const times: number[] = [];
		for (let i = 1; i <= REPS; i++) {
			const t0 = performance.now();
			await run(i);
			times.push(performance.now() - t0);
		}
		times.sort((a, b) => a - b);
		results[name] = { p50Ms: round(percentile(times, 50)), p95Ms: round(percentile(times, 95)), maxMs: round(times.at(-1)!), samples: times.length };
		console.log(`  ${name}: p50 ${results[name].p50Ms} ms, p95 ${results[name].p95Ms} ms, max ${results[name].maxMs} ms`);
	}
	const exportStart = performance.now();
	const exported = await analytics.exporter.export({ format: 'parquet', table: 'events', names: false, from: monthStart(3), to: monthStart(3) + 30 * 86_400_000 });
	const exportMs = performance.now() - exportStart;
	const exportMb = (await stat(exported.path)).size / 1024 / 1024;
	await exported.dispose();

	clearInterval(rssTimer);
	sampleRss();
	const dashboards = Object.entries(results).filter(([name]) => !name.startsWith('data API'));
	const result = {
		events: written,
		eventsPerSecond: Math.round(written / (ingestMs / 1000)),
		maxDashboardQueryMs: Math.max(...dashboards.map(([, r]) => r.p95Ms)),
		maxDashboardQueryRule: 'the largest p95 over the dashboard queries (data API pages listed apart)',
		targetMs: TARGET_MS,
		allUnderTarget: dashboards.every(([, r]) => r.p95Ms < TARGET_MS),
		lessons,
		rooms: ROOMS,
		studentsPerRoom: STUDENTS_PER_ROOM,
		batchSize: BATCH,
		ingestSeconds: round(ingestMs / 1000),
		summarizeSeconds: round(summarizeMs / 1000),
		storeFileMb: round(fileMb),
		monthParquetExport: { seconds: round(exportMs / 1000, 2), mb: round(exportMb) },
		rssPeakMb: round(rssPeak / 1024 / 1024),
		repetitions: REPS,
		queries: results,
		date: new Date().toISOString(),
		machine: { cores: cpus().length, cpu: cpus()[0]?.model.trim() ?? 'unknown', note: 'shared with other work while it ran' }
	};
	writeFileSync(OUT, `${JSON.stringify(result, null, '\t')}\n`);
	console.log(JSON.stringify({ events: result.events, eventsPerSecond: result.eventsPerSecond, maxDashboardQueryMs: result.maxDashboardQueryMs, rssPeakMb: result.rssPeakMb }));
	if (process.env.ANALYTICS_BENCH_UPDATE_DOC !== '0') updateDoc(result);
	await analytics.close();
	if (process.env.ANALYTICS_BENCH_KEEP === '1') console.log(`kept ${file}`);
	else await rm(dir, { recursive: true, force: true });
}

function updateDoc(r: {
	events: number;
	eventsPerSecond: number;
	maxDashboardQueryMs: number;
	lessons: number;
	batchSize: number;
	ingestSeconds: number;
	summarizeSeconds: number;
	storeFileMb: number;
	monthParquetExport: { seconds: number; mb: number };
	rssPeakMb: number;
	repetitions: number;
	queries: Record<string, { p50Ms: number; p95Ms: number; maxMs: number; samples: number }>;
	date: string;
	machine: { cores: number; cpu: string };
}): void {
	const file = resolve(HERE, '../BENCHMARKS.md');
	const doc = readFileSync(file, 'utf8');
	const table = [
		`Run ${r.date.slice(0, 10)} on ${r.machine.cores} cores (${r.machine.cpu}), shared with other work while it ran; ${r.events.toLocaleString('en')} events, ${r.lessons.toLocaleString('en')} lessons, ${ROOMS} rooms.`,
		'',
		`Ingest through the writer (batches of ${r.batchSize}): **${r.eventsPerSecond.toLocaleString('en')} events/s** (${r.ingestSeconds} s). Summaries of all settled lessons: ${r.summarizeSeconds} s. DuckDB file: ${r.storeFileMb} MB. Peak RSS: ${r.rssPeakMb} MB. A month of events to Parquet: ${r.monthParquetExport.seconds} s, ${r.monthParquetExport.mb} MB.`,
		'',
		`| query (${r.repetitions} runs each, varying inputs) | p50 ms | p95 ms | max ms |`,
		'| --- | --- | --- | --- |',
		...Object.entries(r.queries).map(([name, q]) => `| ${name} | ${q.p50Ms} | ${q.p95Ms} | ${q.maxMs} |`),
		'',
		`Slowest dashboard query (p95): **${r.maxDashboardQueryMs} ms** (target < ${TARGET_MS} ms).`
	].join('\n');
	const begin = '<!-- analytics:results:begin -->';
	const end = '<!-- analytics:results:end -->';
	const block = `${begin}\n${table}\n${end}`;
	const next = doc.includes(begin) ? doc.replace(new RegExp(`${begin}[\\s\\S]*?${end}`), block) : `${doc.trimEnd()}\n\n## Analytics (\`npm run bench:analytics\`)\n\n${block}\n`;
	writeFileSync(file, next);
}

main().catch((error: Error) => {
	console.error(error);
	process.exit(1);
});
