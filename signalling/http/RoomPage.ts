import type { IncomingMessage } from 'node:http';
import { AppError, notFound } from '../../core/errors.ts';
import { bearerToken, parse, readJson } from '../../core/http/httpUtil.ts';
import {
	ROOM_REPLAYS_API,
	RoomLinkRequestSchema,
	StartRoomReplaySchema,
	type LessonRecord,
	type RoomLink,
	type RoomReplayChoice,
	type RoomReplayChoices,
	type RoomReplayStarted
} from '../../protocol/index.ts';
import type { StaffAuth } from '../auth/StaffAuth.ts';
import { unauthorizedOnRefusal } from '../auth/tokenRefusal.ts';
import type { TokenService } from '../auth/TokenService.ts';
import type { CatalogStore } from '../catalog/CatalogStore.ts';
import type { ClassReplaySource } from '../handlers/classReplay/ClassReplay.ts';
import { classroomLinks } from './lessonLinks.ts';
import { createReplayedSession } from './replayedSession.ts';
import { memoryBuckets, type RateLimit, type RateLimitFactory } from '../rates/rateLimits.ts';

/** A replayed session the assistant starts is for today's class: its links last a school day. */
const ROOM_REPLAY_LINK_HOURS = 12;
/** Sessions a room may start: a few in a row (a wrong pick), then about one every five minutes. */
const STARTS_BURST = 6;
const STARTS_PER_SECOND = 1 / 300;

export interface RoomPageDeps {
	catalog: CatalogStore;
	tokens: TokenService;
	roomTokens: Pick<StaffAuth, 'roomToken' | 'verifyRoomToken'>;
	replays?: Pick<ClassReplaySource, 'plan'> & { choices?: () => Promise<RoomReplayChoice[]> };
	/** Where the start counters live: shared between nodes with Redis; absent: this process's memory. */
	rateLimits?: RateLimitFactory;
}

/**
 * A classroom's room page (protocol/roomPage.ts): staff make its link; with it, the room's assistant
 * lists the recorded lessons and starts one in that room, and nothing else.
 */
export class RoomPage {
	readonly #deps: RoomPageDeps;
	readonly #starts: RateLimit;

	constructor(deps: RoomPageDeps) {
		this.#deps = deps;
		this.#starts = (deps.rateLimits ?? memoryBuckets)('room-starts', { burst: STARTS_BURST, perSecond: STARTS_PER_SECOND });
	}

	/** ROOM_REPLAYS_API with the room page token; null for any other path. */
	async route(req: IncomingMessage, path: string, method: string, origin: string): Promise<{ status?: number; json: unknown } | null> {
		if (path !== ROOM_REPLAYS_API) return null;
		if (method !== 'GET' && method !== 'POST') throw new AppError('not_allowed', `${method} is not allowed here`);
		const grant = await unauthorizedOnRefusal(this.#deps.roomTokens.verifyRoomToken(bearerToken(req) ?? null));
		if (method === 'GET') return { json: await this.#choices(grant.classroomId, origin) };
		const input = parse(StartRoomReplaySchema, await readJson(req));
		return { status: 201, json: await this.#start(grant.classroomId, input.sourceLessonId, origin) };
	}

	/** Staff: the room page link of a classroom. */
	async link(req: IncomingMessage, classroomId: string, origin: string): Promise<RoomLink> {
		const input = parse(RoomLinkRequestSchema, await readJson(req));
		if (!this.#deps.catalog.classroom(classroomId)) throw notFound(`no classroom ${classroomId}`);
		const expiresAt = Date.now() + input.days * 86_400_000;
		const token = await this.#deps.roomTokens.roomToken(classroomId, expiresAt);
		return { classroomId, link: `${origin}/room?t=${token}`, expiresAt };
	}

	async #choices(classroomId: string, origin: string): Promise<RoomReplayChoices> {
		const { catalog, replays } = this.#deps;
		const classroom = catalog.classroom(classroomId);
		if (!classroom) throw notFound('this classroom no longer exists; ask your school for a new link');
		const lessons = replays?.choices ? await replays.choices() : [];
		const now = Date.now();
		const running = catalog
			.lessons()
			.filter((l) => l.replayOf && l.classroomIds.includes(classroomId) && l.status !== 'ended' && l.linksExpireAt > now)
			.sort((a, b) => b.createdAt - a.createdAt)[0];
		return {
			classroom: { id: classroom.id, name: classroom.name, schoolName: catalog.school(classroom.schoolId)?.name ?? '' },
			lessons,
			current: running ? await this.#started(running, origin) : null
		};
	}

	async #start(classroomId: string, sourceLessonId: string, origin: string): Promise<RoomReplayStarted> {
		const { catalog, replays } = this.#deps;
		if (!(await this.#starts.take(classroomId))) throw new AppError('rate_limited', 'this room started several lessons just now; wait a few minutes');
		const lesson = await createReplayedSession(catalog, replays, { sourceLessonId, classroomId, linkTtlHours: ROOM_REPLAY_LINK_HOURS, by: 'assistant' });
		return this.#started(lesson, origin);
	}

	/** A replayed session of one room, as the room page shows it: its two devices' links. */
	async #started(lesson: LessonRecord, origin: string): Promise<RoomReplayStarted> {
		const classroomId = lesson.classroomIds[0];
		if (!classroomId) throw new AppError('internal', 'the replayed session has no classroom');
		const room = await classroomLinks(this.#deps.tokens, lesson, classroomId, origin);
		return { lessonId: lesson.id, title: lesson.title, room: room.room, assistant: room.assistant, joinCode: room.joinCode, expiresAt: lesson.linksExpireAt };
	}
}
