/**
 * One student process of the poll benchmark: joins its share of students by code over HTTP (as
 * phones do), holds a socket.io connection per student, and answers at the times the parent gives.
 * Run by bench/polls.ts through child_process.fork.
 */
import { io, type Socket } from 'socket.io-client';
import { JOIN_API, PROTOCOL_VERSION, type Ack, type JoinGrant } from '../../protocol/index.ts';
import { postJson } from './http.ts';
import { nowMs, type FromStudents, type StudentSpec, type ToStudents } from './protocol.ts';

const JOIN_CONCURRENCY = 25;
const sockets: { spec: StudentSpec; socket: Socket }[] = [];

function send(message: FromStudents): void {
	process.send?.(message);
}

function emitWithAck<T>(socket: Socket, name: string, payload: unknown): Promise<Ack<T>> {
	return socket.timeout(30_000).emitWithAck(name, payload) as Promise<Ack<T>>;
}

async function joinOne(url: string, spec: StudentSpec): Promise<void> {
	const res = await postJson(`${url}${JOIN_API}`, { code: spec.code, name: spec.name }, spec.localAddress);
	if (res.status !== 201) throw new Error(`join ${res.status} ${JSON.stringify(res.json)}`);
	const grant = res.json as JoinGrant;
	const socket = io(url, { path: '/socket.io', auth: { token: grant.token }, transports: ['websocket'], reconnection: false, forceNew: true });
	await new Promise<void>((resolve, reject) => {
		socket.once('connect', () => resolve());
		socket.once('connect_error', (error) => reject(error));
	});
	const ack = await emitWithAck(socket, 'lesson.join', { protocol: PROTOCOL_VERSION });
	if (!ack.ok) throw new Error(`lesson.join: ${ack.error.message}`);
	sockets.push({ spec, socket });
}

async function join(url: string, students: StudentSpec[]): Promise<void> {
	const started = nowMs();
	const failures: string[] = [];
	let next = 0;
	const lane = async () => {
		while (next < students.length) {
			const spec = students[next++]!;
			await joinOne(url, spec).catch((error: Error) => failures.push(error.message));
		}
	};
	await Promise.all(Array.from({ length: JOIN_CONCURRENCY }, lane));
	send({ type: 'joined', joined: sockets.length, failures: failures.slice(0, 5), ms: nowMs() - started });
}

/** Student i answers option i % options at startAt + i/total of the window: a steady stream. */
function answer(pollId: string, options: number, startAt: number, windowMs: number, total: number): void {
	let cpuBefore = process.cpuUsage();
	setTimeout(() => (cpuBefore = process.cpuUsage()), Math.max(0, startAt - nowMs()));
	const sends: { index: number; at: number }[] = [];
	const ackMs: number[] = [];
	const errors: string[] = [];
	let pending = sockets.length;
	const done = () => {
		if (--pending > 0) return;
		const cpu = process.cpuUsage(cpuBefore);
		send({ type: 'answered', sends, ackMs, errors: errors.slice(0, 5), cpuMs: (cpu.user + cpu.system) / 1000 });
	};
	for (const { spec, socket } of sockets) {
		const due = startAt + (spec.index / total) * windowMs;
		setTimeout(() => {
			const at = nowMs();
			sends.push({ index: spec.index, at });
			emitWithAck(socket, 'poll.answer', { pollId, answer: { kind: 'single', option: spec.index % options } }).then(
				(ack) => {
					ackMs.push(nowMs() - at);
					if (!ack.ok) errors.push(ack.error.message);
					done();
				},
				(error: Error) => {
					errors.push(error.message);
					done();
				}
			);
		}, Math.max(0, due - nowMs()));
	}
}

process.on('message', (message: ToStudents) => {
	if (message.type === 'join') void join(message.url, message.students);
	else if (message.type === 'answer') answer(message.pollId, message.options, message.startAt, message.windowMs, message.total);
	else {
		for (const { socket } of sockets) socket.close();
		process.exit(0);
	}
});
