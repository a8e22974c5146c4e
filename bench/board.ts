/**
 * Board benchmark (`npm run bench:board`).
 *
 * The server runs as its own process (server.ts, one mediasoup worker, data in a temp folder). This
 * process drives one teacher and BOARD_VIEWERS headless viewers, each a real tldraw store synced
 * over the real /board WebSocket (TLSyncClient) plus a real socket.io connection to the lesson.
 * The teacher makes edits at a steady rate: new rectangles, and moves of existing ones (what a
 * stroke being drawn or a drag looks like on the wire). For every edit and every viewer it records
 * the time from the teacher's store change to the viewer's store having it. Page turns are timed
 * from the teacher's `surface.show` request to each viewer's snapshot showing the new board.
 * Reports p50/p99/max, the server's CPU (from /proc) and the bytes per second each viewer receives.
 *
 * Overrides (env): BOARD_VIEWERS=50  BOARD_EDITS=400  BOARD_RATE=20 (edits/s)  BOARD_TURNS=20
 *                  BOARD_OUT=path.json  BOARD_UPDATE_DOC=0 (leave BENCHMARKS.md alone)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LessonLinks, LessonRecord, LessonSnapshot } from '../protocol/index.ts';
import { BoardTestClient } from '../signalling/testing/boardClient.ts';
import { TestClient, waitFor } from '../app/testing/harness.ts';
import { processCpuMs, processRssMb, startServer } from './board/server.ts';
import { adminApi } from './lib/adminApi.ts';
import { round, summary } from './lib/summary.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const VIEWERS = Number(process.env.BOARD_VIEWERS ?? 50);
const EDITS = Number(process.env.BOARD_EDITS ?? 400);
const RATE = Number(process.env.BOARD_RATE ?? 20);
const TURNS = Number(process.env.BOARD_TURNS ?? 20);
const OUT = process.env.BOARD_OUT ?? resolve(HERE, 'results/board.json');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function createLesson(url: string, adminToken: string) {
	const api = adminApi(url, adminToken);
	const school = await api('POST', '/api/schools', { name: 'Bench school', locale: 'rural' });
	const room = await api('POST', '/api/classrooms', { schoolId: school.id, name: 'Bench room' });
	const { lesson, links } = (await api('POST', '/api/lessons', { title: 'Board bench', teacherName: 'Bench', classroomIds: [room.id] })) as { lesson: LessonRecord; links: LessonLinks };
	const token = (link: string) => new URL(link).searchParams.get('t') ?? '';
	return { lesson, teacher: token(links.teacher), observer: token(links.observer) };
}

async function main(): Promise<void> {
	const server = await startServer();
	console.log(`server pid ${server.pid} at ${server.url}; ${VIEWERS} viewers, ${EDITS} edits at ${RATE}/s, ${TURNS} page turns`);
	const { teacher: teacherToken, observer: viewerToken } = await createLesson(server.url, server.adminToken);

	const teacher = new TestClient(server.url, teacherToken);
	await teacher.joinLesson();
	const boardA = (await teacher.ok('board.addBlank', {})).id;
	const boardB = (await teacher.ok('board.addBlank', {})).id;
	await teacher.ok('surface.show', { view: { kind: 'blank', boardId: boardA } });

	const teacherBoard = new BoardTestClient(server.url, teacherToken);
	await teacherBoard.ready;

	// Viewers: a lesson socket (page turns) and a board socket each; edit arrival times per viewer.
	const sentAt = new Map<string, number>();
	const editLatencies: number[] = [];
	const turnLatencies: number[] = [];
	let turnStartedAt = 0;
	let turnTarget = '';
	const viewers: { lesson: TestClient; board: BoardTestClient }[] = [];
	for (let i = 0; i < VIEWERS; i++) {
		const lesson = new TestClient(server.url, viewerToken);
		await lesson.joinLesson();
		lesson.socket.on('lesson.snapshot', (snap: LessonSnapshot) => {
			if (turnTarget && snap.surface.view.kind === 'blank' && snap.surface.view.boardId === turnTarget) {
				turnLatencies.push(performance.now() - turnStartedAt);
			}
		});
		const board = new BoardTestClient(server.url, viewerToken);
		await board.ready;
		board.store.listen(
			({ changes }) => {
				const now = performance.now();
				for (const record of [...Object.values(changes.added), ...Object.values(changes.updated).map(([, to]) => to)]) {
					if (record.typeName !== 'shape') continue;
					const at = sentAt.get(`${record.id}@${(record as { x: number }).x}`);
					if (at !== undefined) editLatencies.push(now - at);
				}
			},
			{ source: 'remote', scope: 'document' }
		);
		viewers.push({ lesson, board });
	}
	console.log(`${VIEWERS} viewers connected`);

	// Warm up (JIT, first sync paths), then measure.
	for (let i = 0; i < 10; i++) {
		teacherBoard.createRect(boardA, -1000 - i, 0);
		await sleep(50);
	}
	await sleep(1000);
	editLatencies.length = 0;

	const cpuBefore = processCpuMs(server.pid);
	const bytesBefore = viewers.reduce((sum, v) => sum + v.board.socket.bytesReceived, 0);
	const started = performance.now();
	const shapes: string[] = [];
	for (let i = 0; i < EDITS; i++) {
		const due = started + (i * 1000) / RATE;
		const wait = due - performance.now();
		if (wait > 0) await sleep(wait);
		if (i % 4 === 0 || shapes.length === 0) {
			const x = (i * 7) % 1400;
			const at = performance.now();
			const id = teacherBoard.createRect(boardA, x, (i * 13) % 800, 80, 60);
			sentAt.set(`${id}@${x}`, at);
			shapes.push(id);
		} else {
			const id = shapes[i % shapes.length] ?? shapes[0]!;
			const x = 2000 + i;
			sentAt.set(`${id}@${x}`, performance.now());
			teacherBoard.moveShape(id, x);
		}
	}
	const expected = EDITS * VIEWERS;
	await waitFor(() => editLatencies.length >= expected, 30_000, 'every viewer to apply every edit').catch(() => undefined);
	const editSeconds = (performance.now() - started) / 1000;
	const cpuEdit = processCpuMs(server.pid) - cpuBefore;
	const bytes = viewers.reduce((sum, v) => sum + v.board.socket.bytesReceived, 0) - bytesBefore;

	// Page turns between two boards.
	for (let i = 0; i < TURNS; i++) {
		turnTarget = i % 2 === 0 ? boardB : boardA;
		const before = turnLatencies.length;
		turnStartedAt = performance.now();
		await teacher.ok('surface.show', { view: { kind: 'blank', boardId: turnTarget } });
		await waitFor(() => turnLatencies.length >= before + VIEWERS, 10_000, 'page turn at every viewer').catch(() => undefined);
		await sleep(150);
	}
	const rssMb = processRssMb(server.pid);

	const edits = summary(editLatencies);
	const turns = summary(turnLatencies);
	const result = {
		benchmark: 'board',
		date: new Date().toISOString(),
		machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
		viewers: VIEWERS,
		edits: EDITS,
		editRatePerSecond: RATE,
		delivered: editLatencies.length,
		expected,
		p50Ms: edits.p50Ms,
		p99Ms: edits.p99Ms,
		edit: edits,
		pageTurn: turns,
		serverCpuPercentOfOneCore: round((cpuEdit / 1000 / editSeconds) * 100),
		bytesPerSecondPerViewer: Math.round(bytes / editSeconds / VIEWERS),
		serverRssMb: round(rssMb),
		targetP99Ms: 100,
		meetsTarget: edits.p99Ms < 100
	};
	writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
	console.log(JSON.stringify(result, null, 2));
	if (process.env.BOARD_UPDATE_DOC !== '0') updateDoc(result);

	for (const v of viewers) {
		v.board.close();
		v.lesson.close();
	}
	teacherBoard.close();
	teacher.close();
	await server.stop();
	process.exit(0);
}

function updateDoc(r: { viewers: number; edits: number; editRatePerSecond: number; delivered: number; expected: number; edit: ReturnType<typeof summary>; pageTurn: ReturnType<typeof summary>; serverCpuPercentOfOneCore: number; bytesPerSecondPerViewer: number; serverRssMb: number; date: string; machine: { cores: number; cpu: string } }): void {
	const file = resolve(HERE, '../BENCHMARKS.md');
	const doc = readFileSync(file, 'utf8');
	const table = [
		`Run ${r.date.slice(0, 10)} on ${r.machine.cores} cores (${r.machine.cpu}); ${r.viewers} viewers, ${r.edits} edits at ${r.editRatePerSecond}/s, loopback.`,
		'',
		'| measure | p50 | p90 | p99 | max | samples |',
		'| --- | --- | --- | --- | --- | --- |',
		`| teacher edit → viewer applied (ms) | ${r.edit.p50Ms} | ${r.edit.p90Ms} | ${r.edit.p99Ms} | ${r.edit.maxMs} | ${r.delivered} of ${r.expected} |`,
		`| page turn → viewer snapshot (ms) | ${r.pageTurn.p50Ms} | ${r.pageTurn.p90Ms} | ${r.pageTurn.p99Ms} | ${r.pageTurn.maxMs} | ${r.pageTurn.samples} |`,
		'',
		`Server CPU while editing: ${r.serverCpuPercentOfOneCore} % of one core. Board traffic per viewer: ${r.bytesPerSecondPerViewer} B/s (${Math.round((r.bytesPerSecondPerViewer * 8) / 1000)} kbit/s). Server RSS after the run: ${r.serverRssMb} MB.`
	].join('\n');
	const begin = '<!-- board:results:begin -->';
	const end = '<!-- board:results:end -->';
	const block = `${begin}\n${table}\n${end}`;
	const next = doc.includes(begin) ? doc.replace(new RegExp(`${begin}[\\s\\S]*?${end}`), block) : `${doc.trimEnd()}\n\n## Board sync (\`npm run bench:board\`)\n\n${block}\n`;
	writeFileSync(file, next);
}

main().catch((error: Error) => {
	console.error(error);
	process.exit(1);
});
