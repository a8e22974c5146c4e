import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { createApp, type App } from '../app.ts';
import { loadConfig } from '../config.ts';
import type {
	Ack,
	ClassroomEvent,
	JoinGrant,
	JoinResult,
	LessonLinks,
	LessonRecord,
	RequestName,
	RequestPayload,
	Responses,
	Role,
	ServerNotifications,
	WireError
} from '../../protocol/index.ts';
import { JOIN_API, PROTOCOL_VERSION, SOCKET_LESSON_PARAM, tokenLessonId } from '../../protocol/index.ts';
import { freePort } from '../../core/testing/ports.ts';

/** A real app (HTTP, socket.io, one real mediasoup worker) on free ports with a temp data folder. */
export interface TestApp {
	app: App;
	url: string;
	dataDir: string;
	events: ClassroomEvent[];
	stop(): Promise<void>;
}

export async function startTestApp(env: Record<string, string> = {}, dataDir?: string): Promise<TestApp> {
	const dir = dataDir ?? (await mkdtemp(path.join(tmpdir(), 'cb-test-')));
	const config = loadConfig({
		PORT: '0',
		HTTPS_PORT: 'off',
		HOST: '127.0.0.1',
		RTC_PORT: String(await freePort()),
		RTC_LISTEN_IP: '127.0.0.1',
		MEDIASOUP_WORKERS: '1',
		DATA_DIR: dir,
		RECONNECT_GRACE_MS: '3000',
		...env
	});
	const app = await createApp(config);
	const events: ClassroomEvent[] = [];
	app.bus.on('event', (event) => events.push(event));
	return {
		app,
		url: app.url,
		dataDir: dir,
		events,
		async stop() {
			await app.close();
			if (!dataDir) await rm(dir, { recursive: true, force: true });
		}
	};
}

export interface TestLesson {
	lesson: LessonRecord;
	links: LessonLinks;
	classroomIds: string[];
	token(role: 'teacher' | 'observer' | 'classroom' | 'assistant', classroomIndex?: number): string;
	/** The code students of this classroom type on their phones. */
	joinCode(classroomIndex?: number): string;
}

/** Creates schools, `rooms` classrooms and a lesson through the admin HTTP API (or a lesson for existing classrooms). */
export async function createLesson(t: TestApp, rooms = 2, options: { classroomIds?: string[] } = {}): Promise<TestLesson> {
	const adminToken = new URL(t.app.adminUrl).searchParams.get('token') ?? '';
	const api = async (method: string, route: string, body?: unknown) => {
		const res = await fetch(`${t.url}${route}`, {
			method,
			headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body)
		});
		if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
		return res.json();
	};
	let classroomIds: string[] = [...(options.classroomIds ?? [])];
	if (classroomIds.length === 0) {
		const suffix = Math.random().toString(36).slice(2, 8);
		const urban = await api('POST', '/api/schools', { name: `Central ${suffix}`, locale: 'urban' });
		const rural = await api('POST', '/api/schools', { name: `Hillside ${suffix}`, locale: 'rural' });
		classroomIds = [];
		for (let i = 0; i < rooms; i++) {
			const school = i === 0 && rooms > 2 ? urban : rural;
			classroomIds.push((await api('POST', '/api/classrooms', { schoolId: school.id, name: `Room ${i + 1}` })).id);
		}
	}
	const { lesson, links } = (await api('POST', '/api/lessons', { title: 'Fractions', teacherName: 'Ms Chen', classroomIds })) as {
		lesson: LessonRecord;
		links: LessonLinks;
	};
	const tokenOf = (link: string) => new URL(link).searchParams.get('t') ?? '';
	return {
		lesson,
		links,
		classroomIds,
		token(role, classroomIndex = 0) {
			if (role === 'teacher') return tokenOf(links.teacher);
			if (role === 'observer') return tokenOf(links.observer);
			const entry = links.classrooms[classroomIndex];
			if (!entry) throw new Error(`no classroom ${classroomIndex}`);
			return tokenOf(role === 'classroom' ? entry.room : entry.assistant);
		},
		joinCode(classroomIndex = 0) {
			const entry = links.classrooms[classroomIndex];
			if (!entry) throw new Error(`no classroom ${classroomIndex}`);
			return entry.joinCode;
		}
	};
}

export type JoinReply = { status: number; grant: JoinGrant | null; error: WireError | null; body: unknown };

/** POST /api/join as a student's phone does. */
export async function joinByCode(t: TestApp, body: unknown): Promise<JoinReply> {
	const res = await fetch(`${t.url}${JOIN_API}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
	const json = (await res.json()) as { error?: WireError };
	return { status: res.status, grant: res.ok ? (json as JoinGrant) : null, error: json.error ?? null, body: json };
}

/** A student on a room's class list and their lesson token, without the HTTP join (for tests with many phones). */
export async function addStudent(t: TestApp, lesson: TestLesson, classroomIndex: number, name: string): Promise<{ id: string; token: string }> {
	const classroomId = lesson.classroomIds[classroomIndex];
	if (!classroomId) throw new Error(`no classroom ${classroomIndex}`);
	const [student] = await t.app.catalog.addStudents(classroomId, [name], true);
	if (!student) throw new Error(`"${name}" is on the list already`);
	const token = await t.app.tokens.signLesson({ lessonId: lesson.lesson.id, role: 'student', classroomId, participantId: student.id, expiresAt: Date.now() + 3_600_000 });
	return { id: student.id, token };
}

/** A real socket.io client speaking the protocol, recording every notification it receives. */
export class TestClient {
	readonly socket: Socket;
	readonly received: { name: keyof ServerNotifications; payload: unknown }[] = [];
	join: JoinResult | null = null;

	/** `reconnect`: socket.io retries as a browser does (every 0.5 s here); the test joins again on each `connect`. */
	constructor(url: string, token: string | undefined, options: { reconnect?: boolean; headers?: Record<string, string> } = {}) {
		this.socket = connect(url, {
			path: '/socket.io',
			auth: token === undefined ? {} : { token },
			query: { [SOCKET_LESSON_PARAM]: token === undefined ? '' : (tokenLessonId(token) ?? '') },
			transports: ['websocket'],
			reconnection: options.reconnect ?? false,
			reconnectionDelay: 500,
			reconnectionDelayMax: 500,
			...(options.headers ? { extraHeaders: options.headers } : {}),
			forceNew: true
		});
		this.socket.onAny((name: keyof ServerNotifications, payload: unknown) => this.received.push({ name, payload }));
	}

	connected(): Promise<void> {
		return new Promise((resolve, reject) => {
			if (this.socket.connected) return resolve();
			this.socket.once('connect', () => resolve());
			this.socket.once('connect_error', (error) => reject(error));
		});
	}

	/** Resolves with the refusal reason the server gave. */
	refused(): Promise<string> {
		return new Promise((resolve, reject) => {
			this.socket.once('connect', () => reject(new Error('connection was accepted')));
			this.socket.once('connect_error', (error) => resolve(error.message));
		});
	}

	raw(name: string, payload: unknown): Promise<Ack<unknown>> {
		return this.socket.timeout(10_000).emitWithAck(name, payload);
	}

	async send<N extends RequestName>(name: N, payload: RequestPayload<N>): Promise<Ack<Responses[N]>> {
		return (await this.raw(name, payload)) as Ack<Responses[N]>;
	}

	/** Sends and expects ok; returns the data. */
	async ok<N extends RequestName>(name: N, payload: RequestPayload<N>): Promise<Responses[N]> {
		const ack = await this.send(name, payload);
		if (!ack.ok) throw new Error(`${name} failed: ${ack.error.code} ${ack.error.message}`);
		return ack.data;
	}

	async joinLesson(): Promise<JoinResult> {
		await this.connected();
		this.join = await this.ok('lesson.join', { protocol: PROTOCOL_VERSION });
		return this.join;
	}

	/** Waits for a notification matching `match` (already received ones count). */
	next<N extends keyof ServerNotifications>(name: N, match: (p: ServerNotifications[N]) => boolean = () => true, timeoutMs = 8000): Promise<ServerNotifications[N]> {
		return waitFor(() => {
			const hit = this.received.find((r) => r.name === name && match(r.payload as ServerNotifications[N]));
			return hit ? (hit.payload as ServerNotifications[N]) : undefined;
		}, timeoutMs, `notification ${name}`);
	}

	/** Every notification of this name received so far, oldest first. */
	all<N extends keyof ServerNotifications>(name: N): ServerNotifications[N][] {
		return this.received.filter((r) => r.name === name).map((r) => r.payload as ServerNotifications[N]);
	}

	latestSnapshot(): ServerNotifications['lesson.snapshot'] | undefined {
		const snaps = this.received.filter((r) => r.name === 'lesson.snapshot').map((r) => r.payload as ServerNotifications['lesson.snapshot']);
		return snaps.sort((a, b) => b.version - a.version)[0] ?? this.join?.lesson;
	}

	close(): void {
		this.socket.close();
	}
}

export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 8000, what = 'condition'): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined && value !== false) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 25));
	}
}

export type { Role };

