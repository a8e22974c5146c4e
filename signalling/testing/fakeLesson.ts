import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Server as HttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'socket.io';
import { EventBus } from '../../core/EventBus.ts';
import type { ClassroomEvent, RequestName, RequestPayload, Responses, Role, ServerNotifications } from '../../protocol/index.ts';
import { TokenService, type LessonGrant } from '../auth/TokenService.ts';
import { BoardService } from '../board/BoardService.ts';
import { FileBoardStorage } from '../board/FileBoardStorage.ts';
import { CatalogStore } from '../catalog/CatalogStore.ts';
import { admitRequest } from '../handlers/admit.ts';
import { HANDLERS } from '../handlers/index.ts';
import type { LessonChannel } from '../lesson/LessonChannel.ts';
import { LessonSession } from '../lesson/LessonSession.ts';
import type { Peer } from '../lesson/Peer.ts';
import { MemoryLessonStore } from '../store/MemoryLessonStore.ts';

/** One message the fake channel was asked to send. */
export interface Sent {
	to: { lesson: true } | { audiences: readonly string[] } | { socket: string };
	name: keyof ServerNotifications;
	payload: unknown;
}

/** A LessonChannel that records what it was asked to send, and to whom. */
export class RecordingChannel implements LessonChannel {
	readonly sent: Sent[] = [];
	readonly joined = new Map<string, Set<string>>();

	toLesson<N extends keyof ServerNotifications>(name: N, payload: ServerNotifications[N]): void {
		this.sent.push({ to: { lesson: true }, name, payload });
	}
	toAudiences<N extends keyof ServerNotifications>(audiences: readonly string[], name: N, payload: ServerNotifications[N]): void {
		if (audiences.length > 0) this.sent.push({ to: { audiences: [...audiences] }, name, payload });
	}
	toSocket<N extends keyof ServerNotifications>(socketId: string, name: N, payload: ServerNotifications[N]): void {
		this.sent.push({ to: { socket: socketId }, name, payload });
	}
	join(socketId: string, audiences: readonly string[]): void {
		const set = this.joined.get(socketId) ?? new Set<string>();
		for (const audience of audiences) set.add(audience);
		this.joined.set(socketId, set);
	}
	replace(socketId: string): void {
		this.joined.delete(socketId);
	}
	closeAll(): void {
		this.joined.clear();
	}

	/** The payloads of one message name, oldest first. */
	named<N extends keyof ServerNotifications>(name: N): ServerNotifications[N][] {
		return this.sent.filter((s) => s.name === name).map((s) => s.payload as ServerNotifications[N]);
	}
}

export interface FakeLesson {
	session: LessonSession;
	store: MemoryLessonStore;
	bus: EventBus;
	channel: RecordingChannel;
	catalog: CatalogStore;
	classroomIds: string[];
	/** Every event published, oldest first. */
	events: ClassroomEvent[];
	/** A connected participant of this role (in classroom `room` where the role has one). */
	peer(role: Role, room?: number): Promise<Peer>;
	/** A request as the signalling server dispatches it: role check, schema, then the feature's handler. */
	request<N extends Exclude<RequestName, 'lesson.join'>>(peer: Peer, name: N, payload: RequestPayload<N>): Promise<Responses[N]>;
	close(): Promise<void>;
}

/**
 * A live lesson without media, sockets or a network: MemoryLessonStore, a real EventBus, a
 * recording LessonChannel and no Sfu (no mediasoup worker starts). For handlers that need no media.
 */
export async function fakeLesson(rooms = 2): Promise<FakeLesson> {
	const dataDir = await mkdtemp(join(tmpdir(), 'cb-fake-lesson-'));
	const catalog = await CatalogStore.open(dataDir);
	const school = await catalog.addSchool('Hillside', 'rural');
	const classroomIds: string[] = [];
	for (let i = 0; i < rooms; i++) classroomIds.push((await catalog.addClassroom(school.id, `Room ${i + 1}`)).id);
	const record = await catalog.addLesson({ title: 'Fractions', teacherName: 'Ms Chen', classroomIds, linksExpireAt: Date.now() + 3_600_000 });
	const store = new MemoryLessonStore();
	const bus = new EventBus();
	const events: ClassroomEvent[] = [];
	bus.on('event', (event) => events.push(event));
	const channel = new RecordingChannel();
	const storage = new FileBoardStorage(dataDir);
	const boards = new BoardService(new HttpServer(), {
		storage,
		bus,
		tokens: new TokenService(randomBytes(32)),
		catalog,
		canDraw: async (grant) => grant.role === 'teacher',
		shownBoard: async () => null
	});
	const decks = { list: async () => [] };
	const session = new LessonSession(record, { channel, store, bus, catalog, boards, decks, reconnectGraceMs: 60_000 });
	let count = 0;
	return {
		session,
		store,
		bus,
		channel,
		catalog,
		classroomIds,
		events,
		async peer(role, room = 0) {
			const participantId = `${role}-${++count}`;
			const classroomId = role === 'teacher' || role === 'observer' ? null : (classroomIds[room] ?? null);
			const socket = { id: `socket-${participantId}`, data: { participantId } } as unknown as Socket;
			const grant: LessonGrant = { kind: 'lesson', lessonId: record.id, role, classroomId, participantId, expiresAt: record.linksExpireAt };
			await session.join(socket, grant, participantId);
			const peer = session.peers.get(participantId);
			if (!peer) throw new Error(`${participantId} did not join`);
			return peer;
		},
		async request(peer, name, payload) {
			const parsed = admitRequest(name, peer.participant.role, payload);
			const handler = HANDLERS[name] as unknown as (ctx: unknown, p: unknown) => Promise<Responses[typeof name]>;
			return handler({ session, peer }, parsed);
		},
		async close() {
			session.close();
			await boards.close();
			await rm(dataDir, { recursive: true, force: true });
		}
	};
}
