/**
 * Lesson package benchmark (`npm run bench:packages`).
 *
 * Export and import throughput for a 45-minute lesson: programme media of a noisy 1.2 Mbit/s VP8
 * clip repeated to 45 minutes (≈ 400 MB, stored as recorded), the fixture's deck, timeline and
 * boards. Export: LessonPackages writes the signed zip (SHA-256 of every file, then the zip) to a
 * file; import: the same zip verified (signature, every checksum) and unpacked into a second data
 * folder. Both in this process, the slide images left out (no pdfjs worker here).
 *
 * Sync: a district and a school server process over a userspace TCP relay paced at 2 Mbit/s, cut
 * three times (1.5 s each) at 25, 50 and 75 %; SYNC_MAX_KBPS 1500. syncOverheadRatio = bytes that
 * crossed the link ÷ package bytes; syncCapErrorPct = (sustained rate of the longest uncut run -
 * cap) ÷ cap, in %. The synced lesson is shorter (≈ 6 MB) so the run takes about a minute.
 *
 * Overrides (env): PACKAGES_MINUTES=45  PACKAGES_OUT=path.json  PACKAGES_UPDATE_DOC=0
 */
import { execFile } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path, { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LibraryIndex } from '../recorder/LibraryIndex.ts';
import { PackageStore } from '../recorder/PackageStore.ts';
import { LessonPackages } from '../recorder/packages/LessonPackages.ts';
import { writeLessonFixture } from '../recorder/packages/testing/lessonFixture.ts';
import { sustainedKbps, TcpRelay } from '../recorder/packages/testing/tcpRelay.ts';
import { startServerProcess } from '../app/testing/serverProcess.ts';
import type { LibraryEntry, PackageListEntry, RecordingManifest } from '../protocol/index.ts';
import { round } from './lib/summary.ts';

const run = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));
const MINUTES = Number(process.env.PACKAGES_MINUTES ?? 45);
const OUT = process.env.PACKAGES_OUT ?? resolve(HERE, 'results/packages.json');
const LINK_KBPS = 2000;
const CAP_KBPS = 1500;
const MB = 1024 * 1024;

async function bigLesson(dataDir: string, lessonId: string): Promise<RecordingManifest> {
	const manifest = await writeLessonFixture(dataDir, lessonId, { seconds: 60, videoKbps: 1200, title: `${MINUTES}-minute lesson` });
	const dir = path.join(dataDir, 'recordings', lessonId, 'media');
	const clip = path.join(dir, 'program.webm');
	const list = path.join(dataDir, 'concat.txt');
	await writeFile(list, Array.from({ length: MINUTES }, () => `file '${clip}'`).join('\n'));
	const long = path.join(dataDir, 'long.webm');
	await run('/usr/bin/ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', long]);
	await run('/bin/mv', [long, clip]);
	const bytes = (await stat(clip)).size;
	const durationMs = MINUTES * 60_000;
	const full: RecordingManifest = { ...manifest, durationMs, media: { ...manifest.media!, durationMs, program: { ...manifest.media!.program!, bytes } }, bytes };
	await writeFile(path.join(dataDir, 'recordings', lessonId, 'manifest.json'), JSON.stringify(full));
	return full;
}

async function open(dataDir: string, trustedKeys: string[] = []) {
	const packages = new PackageStore(dataDir);
	await packages.open();
	const library = new LibraryIndex(packages);
	await library.load();
	return { packages, library, lessons: await LessonPackages.open({ dataDir, packages, library, trustedKeys, maxBytes: 16 * 1024 * MB, server: 'http://bench.local' }) };
}

async function throughput() {
	const from = await mkdtemp(path.join(tmpdir(), 'cb16-bench-from-'));
	const to = await mkdtemp(path.join(tmpdir(), 'cb16-bench-to-'));
	try {
		const lessonId = 'lesson_bench45';
		await bigLesson(from, lessonId);
		const a = await open(from);
		const zip = path.join(from, 'export.classbridge.zip');
		let t0 = performance.now();
		await a.lessons.export(lessonId, 'pseudonymous', createWriteStream(zip));
		const exportS = (performance.now() - t0) / 1000;
		const zipBytes = (await stat(zip)).size;
		const b = await open(to, [a.lessons.key.publicKey]);
		t0 = performance.now();
		await b.lessons.import(zip, 'imported');
		const importS = (performance.now() - t0) / 1000;
		return { zipMB: round(zipBytes / MB, 1), exportS: round(exportS, 2), importS: round(importS, 2), exportMBps: round(zipBytes / MB / exportS, 1), importMBps: round(zipBytes / MB / importS, 1) };
	} finally {
		await rm(from, { recursive: true, force: true });
		await rm(to, { recursive: true, force: true });
	}
}

async function until<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await fn().catch(() => null);
		if (value) return value;
		if (Date.now() > deadline) throw new Error('timed out');
		await new Promise((r) => setTimeout(r, 100));
	}
}

async function sync() {
	const districtData = await mkdtemp(path.join(tmpdir(), 'cb16-bench-district-'));
	await writeLessonFixture(districtData, 'lesson_benchsync', { seconds: 30, videoKbps: 1500, title: 'Sync lesson' });
	const district = await startServerProcess({ DATA_DIR: districtData, LOG_LEVEL: 'warn' });
	const relay = new TcpRelay(Number(new URL(district.url).port), LINK_KBPS);
	let school: Awaited<ReturnType<typeof startServerProcess>> | null = null;
	const schoolData = await mkdtemp(path.join(tmpdir(), 'cb16-bench-school-'));
	try {
		const api = async <T>(p: string, init: RequestInit = {}) =>
			(await (await fetch(`${district.url}${p}`, { ...init, headers: { authorization: `Bearer ${district.adminToken}`, 'content-type': 'application/json' } })).json()) as T;
		const { publicKey } = await api<{ publicKey: string }>('/api/packages/key');
		const { token } = await api<{ token: string }>('/api/packages/sync-tokens', { method: 'POST', body: JSON.stringify({ school: 'Bench school' }) });
		const { packages } = await api<{ packages: PackageListEntry[] }>('/api/packages');
		const total = packages.reduce((s, p) => s + p.bytes, 0);
		const started = Date.now();
		school = await startServerProcess({ DATA_DIR: schoolData, SYNC_FROM: await relay.start(), SYNC_TOKEN: token, TRUSTED_PACKAGE_KEYS: publicKey, SYNC_MAX_KBPS: String(CAP_KBPS), SYNC_INTERVAL_S: '1', LOG_LEVEL: 'warn' });
		for (const fraction of [0.25, 0.5, 0.75]) {
			await until(async () => relay.bytesDown > total * fraction, 300_000);
			relay.cut(1500);
		}
		const s = school;
		await until(async () => {
			const res = await fetch(`${s.url}/api/library`, { headers: { authorization: `Bearer ${s.adminToken}` } });
			return ((await res.json()) as { entries: LibraryEntry[] }).entries.length === packages.length;
		}, 300_000);
		const kbps = sustainedKbps(relay.log, relay.cuts);
		return {
			packageMB: round(total / MB, 2),
			linkKbps: LINK_KBPS,
			capKbps: CAP_KBPS,
			cuts: relay.cuts.length,
			wallS: round((Date.now() - started) / 1000, 1),
			bytesOnLink: relay.bytesDown,
			sustainedKbps: round(kbps, 0),
			syncOverheadRatio: round(relay.bytesDown / total, 3),
			syncCapErrorPct: round(((kbps - CAP_KBPS) / CAP_KBPS) * 100, 1)
		};
	} finally {
		await relay.close();
		await school?.stop();
		await district.stop();
		await rm(districtData, { recursive: true, force: true });
		await rm(schoolData, { recursive: true, force: true });
	}
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const t = await throughput();
console.log('throughput', t);
const s = await sync();
console.log('sync', s);
const result = {
	date: new Date().toISOString().slice(0, 10),
	machine: `${cpus().length} cores (${cpu})`,
	lessonMinutes: MINUTES,
	exportMBps: t.exportMBps,
	importMBps: t.importMBps,
	syncOverheadRatio: s.syncOverheadRatio,
	syncCapErrorPct: s.syncCapErrorPct,
	throughput: t,
	sync: s
};
writeFileSync(OUT, JSON.stringify(result, null, '\t') + '\n');
if (process.env.PACKAGES_UPDATE_DOC !== '0') {
	const doc = resolve(HERE, '../BENCHMARKS.md');
	const text = readFileSync(doc, 'utf8');
	const table = `<!-- packages:results:begin -->
Run ${result.date} on ${result.machine}, shared with other work.

| measure | value |
| --- | --- |
| export, ${MINUTES}-minute lesson (${t.zipMB} MB zip) | **${t.exportMBps} MB/s** (${t.exportS} s) |
| import (verify + unpack) | **${t.importMBps} MB/s** (${t.importS} s) |
| sync over a ${LINK_KBPS / 1000} Mbit/s link, 3 cuts, ${s.packageMB} MB | overhead **×${s.syncOverheadRatio}** (${s.bytesOnLink} bytes on the link) |
| sync cap ${CAP_KBPS} kbit/s | sustained ${s.sustainedKbps} kbit/s, error **${s.syncCapErrorPct} %** |
<!-- packages:results:end -->`;
	writeFileSync(doc, text.replace(/<!-- packages:results:begin -->[\s\S]*<!-- packages:results:end -->/, table));
}
console.log(JSON.stringify(result));
