/**
 * Poll benchmark (`npm run bench:polls`).
 *
 * The server runs as its own process (bench/board/server.ts: server.ts, one mediasoup worker, data
 * in a temp folder). POLLS_STUDENTS students in POLLS_ROOMS classrooms are spread over POLLS_PROCS
 * child processes (bench/polls/students.ts); each joins by code over HTTP like a phone (one source
 * address per classroom, as behind a school's NAT), then holds a real socket.io connection. The
 * teacher (a socket.io client in this process) opens a single-choice poll; every student answers
 * once, at evenly spaced times over POLLS_WINDOW_MS. Each student process stamps every answer's
 * send time; the teacher stamps every `polls.results` it receives with the answered count. The k-th
 * answer sent counts as in the teacher's histogram at the first notification whose count reaches k
 * (answers are processed in order on one socket.io server, so this matches them up). Reports
 * p50/p99 of that latency, the server's CPU during the answers and its RSS per connected student.
 *
 * Overrides (env): POLLS_STUDENTS=2000  POLLS_ROOMS=20  POLLS_PROCS=4  POLLS_WINDOW_MS=1000
 *                  POLLS_OUT=path.json  POLLS_UPDATE_DOC=0 (leave BENCHMARKS.md alone)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { PROTOCOL_VERSION, type Ack, type LessonLinks, type LessonRecord, type PollInfo, type PollResultsNotice } from '../protocol/index.ts';
import { processCpuMs, processRssMb, startServer } from './board/server.ts';
import { nowMs, type FromStudents, type StudentSpec, type ToStudents } from './polls/protocol.ts';
import { inclusionLatencies, machineBusy, summary, type MachineSample } from './polls/measure.ts';
import { adminApi } from './lib/adminApi.ts';
import { round } from './lib/summary.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const STUDENTS = Number(process.env.POLLS_STUDENTS ?? 2000);
const ROOMS = Number(process.env.POLLS_ROOMS ?? 20);
const PROCS = Number(process.env.POLLS_PROCS ?? 4);
const WINDOW_MS = Number(process.env.POLLS_WINDOW_MS ?? 1000);
const OUT = process.env.POLLS_OUT ?? resolve(HERE, 'results/polls.json');
const OPTIONS = 4;
const TARGET_P99_MS = 250;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function createLesson(url: string, adminToken: string) {
	const api = adminApi(url, adminToken);
	const school = await api('POST', '/api/schools', { name: 'Bench county', locale: 'rural' });
	const classroomIds: string[] = [];
	for (let i = 0; i < ROOMS; i++) classroomIds.push((await api('POST', '/api/classrooms', { schoolId: school.id, name: `Room ${i + 1}` })).id);
	const { links } = (await api('POST', '/api/lessons', { title: 'Poll bench', teacherName: 'Bench', classroomIds })) as { lesson: LessonRecord; links: LessonLinks };
	return { teacher: new URL(links.teacher).searchParams.get('t') ?? '', codes: links.classrooms.map((c) => c.joinCode), classroomIds };
}

const studentName = (index: number) => `Student ${index + 1}`;

/** Every room's class list, as an assistant would have entered it: the students then pick their listed name. */
async function fillClassLists(teacher: Socket, classroomIds: string[]): Promise<void> {
	for (const [room, classroomId] of classroomIds.entries()) {
		const names = Array.from({ length: STUDENTS }, (_, index) => index).filter((index) => index % ROOMS === room).map(studentName);
		for (let i = 0; i < names.length; i += 100) {
			const ack = (await teacher.timeout(30_000).emitWithAck('classList.add', { classroomId, names: names.slice(i, i + 100) })) as Ack<unknown>;
			if (!ack.ok) throw new Error(`classList.add: ${ack.error.message}`);
		}
	}
}

async function connectTeacher(url: string, token: string): Promise<Socket> {
	const socket = io(url, { path: '/socket.io', auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
	await new Promise<void>((res, rej) => {
		socket.once('connect', () => res());
		socket.once('connect_error', rej);
	});
	const ack = (await socket.timeout(30_000).emitWithAck('lesson.join', { protocol: PROTOCOL_VERSION })) as Ack<unknown>;
	if (!ack.ok) throw new Error(ack.error.message);
	return socket;
}

function waitMessages<T extends FromStudents['type']>(children: ChildProcess[], type: T, timeoutMs: number): Promise<Extract<FromStudents, { type: T }>[]> {
	return new Promise((res, rej) => {
		const got: Extract<FromStudents, { type: T }>[] = [];
		const timer = setTimeout(() => rej(new Error(`timed out waiting for ${type} (${got.length} of ${children.length})`)), timeoutMs);
		for (const child of children) {
			const onMessage = (message: FromStudents) => {
				if (message.type !== type) return;
				child.off('message', onMessage);
				got.push(message as Extract<FromStudents, { type: T }>);
				if (got.length === children.length) {
					clearTimeout(timer);
					res(got);
				}
			};
			child.on('message', onMessage);
		}
	});
}

async function main(): Promise<void> {
	const loadBefore = loadavg();
	const server = await startServer();
	console.log(`server pid ${server.pid} at ${server.url}; ${STUDENTS} students in ${ROOMS} rooms over ${PROCS} processes`);
	const { teacher: teacherToken, codes, classroomIds } = await createLesson(server.url, server.adminToken);
	const teacher = await connectTeacher(server.url, teacherToken);
	await fillClassLists(teacher, classroomIds);
	await sleep(1000);
	const rssBeforeMb = processRssMb(server.pid);

	const children = Array.from({ length: PROCS }, () =>
		fork(resolve(HERE, 'polls/students.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
	);
	const shares: StudentSpec[][] = children.map(() => []);
	for (let index = 0; index < STUDENTS; index++) {
		const room = index % ROOMS;
		shares[index % PROCS]!.push({ index, code: codes[room]!, name: studentName(index), localAddress: `127.0.0.${10 + room}` });
	}
	const joinCpuBefore = processCpuMs(server.pid);
	const joinStarted = nowMs();
	const joinedReplies = waitMessages(children, 'joined', 600_000);
	children.forEach((child, i) => child.send({ type: 'join', url: server.url, students: shares[i]! } satisfies ToStudents));
	const joined = await joinedReplies;
	const joinSeconds = (nowMs() - joinStarted) / 1000;
	const joinCpuMs = processCpuMs(server.pid) - joinCpuBefore;
	const connected = joined.reduce((n, j) => n + j.joined, 0);
	console.log(`${connected} of ${STUDENTS} students joined in ${round(joinSeconds)} s${joined.some((j) => j.failures.length) ? `; failures: ${joined.flatMap((j) => j.failures).join(' | ')}` : ''}`);
	await sleep(3000);
	const rssJoinedMb = processRssMb(server.pid);

	// The poll, and the teacher's view of it.
	const updates: { at: number; answered: number; bytes: number }[] = [];
	let pollId = '';
	teacher.on('polls.results', (notice: PollResultsNotice) => {
		if (notice.view === 'full' && notice.results.pollId === pollId) updates.push({ at: nowMs(), answered: notice.results.answered, bytes: JSON.stringify(notice).length });
	});
	const opened = (await teacher.timeout(10_000).emitWithAck('poll.open', { spec: { kind: 'single', question: 'Which fraction is largest?', options: ['1/2', '1/3', '1/4', '1/5'], correct: 0 } })) as Ack<PollInfo>;
	if (!opened.ok) throw new Error(opened.error.message);
	pollId = opened.data.id;
	await sleep(500);

	const startAt = nowMs() + 500;
	const answeredReplies = waitMessages(children, 'answered', 120_000);
	children.forEach((child) => child.send({ type: 'answer', pollId, options: OPTIONS, startAt, windowMs: WINDOW_MS, total: STUDENTS } satisfies ToStudents));
	await sleep(startAt - nowMs());
	const cpuBefore = processCpuMs(server.pid);
	const machineBefore: MachineSample = machineBusy();
	const mainCpuBefore = process.cpuUsage();
	const answered = await answeredReplies;
	const deadline = nowMs() + 30_000;
	while ((updates.at(-1)?.answered ?? 0) < connected && nowMs() < deadline) await sleep(5);
	const windowEnd = nowMs();
	const serverCpuMs = processCpuMs(server.pid) - cpuBefore;
	const machineAfter = machineBusy();
	const mainCpu = process.cpuUsage(mainCpuBefore);
	const windowS = (windowEnd - startAt) / 1000;
	await sleep(500);
	const rssEndMb = processRssMb(server.pid);

	const sends = answered.flatMap((a) => a.sends.map((s) => s.at));
	const latencies = inclusionLatencies(sends, updates);
	const inclusion = summary(latencies.values);
	const ack = summary(answered.flatMap((a) => a.ackMs));
	const errors = answered.flatMap((a) => a.errors);
	const ownCpuMs = serverCpuMs + answered.reduce((n, a) => n + a.cpuMs, 0) + (mainCpu.user + mainCpu.system) / 1000;
	const machineBusyMs = machineAfter.busyMs - machineBefore.busyMs;
	const result = {
		benchmark: 'polls',
		date: new Date().toISOString(),
		machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, loadavgBefore: loadBefore.map((l) => round(l, 2)), loadavgAfter: loadavg().map((l) => round(l, 2)) },
		students: STUDENTS,
		classrooms: ROOMS,
		studentProcesses: PROCS,
		answerWindowMs: WINDOW_MS,
		connected,
		answered: updates.at(-1)?.answered ?? 0,
		answerErrors: errors.length,
		p50Ms: inclusion.p50Ms,
		p90Ms: inclusion.p90Ms,
		p99Ms: inclusion.p99Ms,
		maxMs: inclusion.maxMs,
		notIncluded: latencies.missing,
		ackMs: ack,
		resultsNotifications: updates.length,
		resultsNotificationBytes: updates.at(-1)?.bytes ?? 0,
		measuredSeconds: round(windowS, 2),
		serverCpuPercentOfOneCore: round((serverCpuMs / 1000 / windowS) * 100),
		machineBusyPercentOfAllCores: round((machineBusyMs / (windowS * 1000 * cpus().length)) * 100),
		otherProcessesPercentOfOneCore: round((Math.max(0, machineBusyMs - ownCpuMs) / (windowS * 1000)) * 100),
		join: { seconds: round(joinSeconds), serverCpuPercentOfOneCore: round((joinCpuMs / 1000 / joinSeconds) * 100) },
		serverRssMb: { beforeStudents: round(rssBeforeMb), withStudents: round(rssJoinedMb), end: round(rssEndMb) },
		kbPerStudent: round(((rssJoinedMb - rssBeforeMb) * 1024) / Math.max(1, connected)),
		targetP99Ms: TARGET_P99_MS,
		meetsTarget: inclusion.p99Ms < TARGET_P99_MS && latencies.missing === 0
	};
	writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
	console.log(JSON.stringify(result, null, 2));
	if (process.env.POLLS_UPDATE_DOC !== '0') updateDoc(result);

	for (const child of children) child.send({ type: 'stop' } satisfies ToStudents);
	teacher.close();
	await server.stop();
	process.exit(0);
}

type Result = {
	date: string;
	machine: { cores: number; cpu: string; loadavgBefore: number[] };
	students: number;
	classrooms: number;
	studentProcesses: number;
	answerWindowMs: number;
	answered: number;
	answerErrors: number;
	p50Ms: number;
	p90Ms: number;
	p99Ms: number;
	maxMs: number;
	ackMs: ReturnType<typeof summary>;
	resultsNotifications: number;
	measuredSeconds: number;
	serverCpuPercentOfOneCore: number;
	machineBusyPercentOfAllCores: number;
	otherProcessesPercentOfOneCore: number;
	join: { seconds: number };
	serverRssMb: { beforeStudents: number; withStudents: number };
	kbPerStudent: number;
	meetsTarget: boolean;
};

function updateDoc(r: Result): void {
	const file = resolve(HERE, '../BENCHMARKS.md');
	const doc = readFileSync(file, 'utf8');
	const table = [
		`Run ${r.date.slice(0, 10)} on ${r.machine.cores} cores (${r.machine.cpu}), load average ${r.machine.loadavgBefore.join(' / ')} before the run; ` +
			`${r.students} students in ${r.classrooms} rooms over ${r.studentProcesses} processes, answers spread over ${r.answerWindowMs} ms, loopback. ` +
			`Server and clients share the machine, and other processes used ${r.otherProcessesPercentOfOneCore} % of a core during the answers.`,
		'',
		'| measure | p50 | p90 | p99 | max | samples |',
		'| --- | --- | --- | --- | --- | --- |',
		`| answer sent → in the teacher's histogram (ms) | ${r.p50Ms} | ${r.p90Ms} | ${r.p99Ms} | ${r.maxMs} | ${r.answered} of ${r.students} |`,
		`| answer sent → acknowledged (ms) | ${r.ackMs.p50Ms} | ${r.ackMs.p90Ms} | ${r.ackMs.p99Ms} | ${r.ackMs.maxMs} | ${r.ackMs.samples} |`,
		'',
		`Target p99 < 250 ms: ${r.meetsTarget ? 'met' : 'not met'}. ${r.resultsNotifications} results notifications reached the teacher in ${r.measuredSeconds} s; ${r.answerErrors} answers refused. ` +
			`Server CPU during the answers: ${r.serverCpuPercentOfOneCore} % of one core (whole machine ${r.machineBusyPercentOfAllCores} % busy). ` +
			`Joining took ${r.join.seconds} s. Server RSS ${r.serverRssMb.beforeStudents} MB before the students, ${r.serverRssMb.withStudents} MB with them: about ${r.kbPerStudent} KB per connected student.`
	].join('\n');
	const begin = '<!-- polls:results:begin -->';
	const end = '<!-- polls:results:end -->';
	const block = `${begin}\n${table}\n${end}`;
	const next = doc.includes(begin) ? doc.replace(new RegExp(`${begin}[\\s\\S]*?${end}`), block) : `${doc.trimEnd()}\n\n## Polls (\`npm run bench:polls\`)\n\n${block}\n`;
	writeFileSync(file, next);
}

main().catch((error: Error) => {
	console.error(error);
	process.exit(1);
});
