import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TokenService } from '../auth/TokenService.ts';
import type { CatalogStore } from '../catalog/CatalogStore.ts';
import { AppError } from '../../core/errors.ts';
import { moduleLogger } from '../../core/logger.ts';
import {
	CLASS_REPLAY_SURFACE_ROUTE,
	CLASS_REPLAYS_API,
	CreateClassReplaySchema,
	CreateClassroomSchema,
	CreateLessonSchema,
	CreateSchoolSchema,
	IdSchema,
	ROOM_LINK_ROUTE,
	SETUP_STATUS_API,
	type RoomReplayChoice,
	type LessonLinks,
	type LessonRecord,
	type SetupStatus
} from '../../protocol/index.ts';
import type { StaffAccess } from './StaffAccess.ts';
import { decodePathPart, parse, readJson, sendError, sendJson } from '../../core/http/httpUtil.ts';
import { StudentJoin } from './StudentJoin.ts';
import { classReplaySurface } from './classReplaySurface.ts';
import type { ClassReplaySource } from '../handlers/classReplay/ClassReplay.ts';
import { linkOrigin, requestIsSecure } from './staffCookie.ts';
import { lessonLinks } from './lessonLinks.ts';
import { createReplayedSession } from './replayedSession.ts';
import { RoomPage } from './RoomPage.ts';
import type { RateLimitFactory } from '../rates/rateLimits.ts';

const log = moduleLogger('http-api');

export interface HttpApiDeps {
	catalog: CatalogStore;
	tokens: TokenService;
	/** Recorded lessons that may be taught again in class (absent: the route answers unavailable). */
	replays?: Pick<ClassReplaySource, 'plan' | 'surface' | 'mediaToken'> & { choices?: () => Promise<RoomReplayChoice[]> };
	/** Staff routes: the session cookie or an admin token. */
	staff: StaffAccess;
	/** Origin for links when PUBLIC_URL is not set: taken from the request's Host. */
	publicUrl: string | undefined;
	/** Reverse proxies in front of the server, for client addresses (rate limits). */
	trustProxy?: number;
	/** What the deployment still lacks (GET /api/setup/status, staff only); all set when absent. */
	setup?: () => SetupStatus;
	/** The port of our own HTTPS server, once it listens (null: none). */
	httpsPort?: () => number | null;
	/** Where the join and room-page rate counters live: shared between nodes with Redis; absent: this process's memory. */
	rateLimits?: RateLimitFactory;
}

/** /api/*: the admin's catalog and lessons, token introspection for the live page, and students joining by code. */
export class HttpApi {
	readonly #deps: HttpApiDeps;
	readonly #join: StudentJoin;
	readonly #room: RoomPage;

	constructor(deps: HttpApiDeps) {
		this.#deps = deps;
		this.#join = new StudentJoin(deps);
		this.#room = new RoomPage({ ...deps, roomTokens: deps.staff.auth });
	}

	/** Returns false when the path is not ours, so the next handler (SvelteKit) takes it. */
	async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
		const url = new URL(req.url ?? '/', 'http://localhost');
		if (!url.pathname.startsWith('/api/')) return false;
		try {
			const body = await this.#route(req, url);
			sendJson(res, body.status ?? 200, body.json);
		} catch (error) {
			sendError(res, error, { log, path: url.pathname });
		}
		return true;
	}

	async #route(req: IncomingMessage, url: URL): Promise<{ status?: number; json: unknown }> {
		const { catalog, tokens } = this.#deps;
		const method = req.method ?? 'GET';
		const path = url.pathname;
		if (path === '/api/session' && method === 'GET') {
			const grant = await tokens.verifyLesson(url.searchParams.get('t'));
			return {
				json: { role: grant.role, lessonId: grant.lessonId, classroomId: grant.classroomId, expiresAt: grant.expiresAt, httpsOrigin: this.#httpsOrigin(req) }
			};
		}
		const joined = await this.#join.route(req, path, method);
		if (joined) return joined;
		const roomPage = await this.#room.route(req, path, method, this.#origin(req));
		if (roomPage) return roomPage;
		const surfaceMatch = CLASS_REPLAY_SURFACE_ROUTE.exec(path);
		if (surfaceMatch && method === 'GET') return { json: await classReplaySurface(req, parse(IdSchema, decodePathPart(surfaceMatch[1])), this.#deps) };
		await this.#deps.staff.require(req);
		if (path === '/api/catalog' && method === 'GET') return { json: { schools: catalog.schools(), classrooms: catalog.classrooms() } };
		if (path === '/api/schools' && method === 'POST') {
			const input = parse(CreateSchoolSchema, await readJson(req));
			return { status: 201, json: await catalog.addSchool(input.name, input.locale) };
		}
		if (path === '/api/classrooms' && method === 'POST') {
			const input = parse(CreateClassroomSchema, await readJson(req));
			return { status: 201, json: await catalog.addClassroom(input.schoolId, input.name) };
		}
		if (path === SETUP_STATUS_API && method === 'GET') return { json: this.#deps.setup?.() ?? { boardLicence: 'set' } };
		if (path === '/api/lessons' && method === 'GET') return { json: catalog.lessons() };
		if (path === '/api/lessons' && method === 'POST') {
			const input = parse(CreateLessonSchema, await readJson(req));
			const lesson = await catalog.addLesson({
				title: input.title,
				teacherName: input.teacherName,
				classroomIds: input.classroomIds,
				linksExpireAt: Date.now() + input.linkTtlHours * 3_600_000,
				autoRecord: input.autoRecord
			});
			return { status: 201, json: { lesson, links: await this.#links(lesson, this.#origin(req)) } };
		}
		if (path === CLASS_REPLAYS_API && method === 'POST') return this.#createReplay(req);
		const roomLinkMatch = ROOM_LINK_ROUTE.exec(path);
		if (roomLinkMatch && method === 'POST') {
			return { status: 201, json: await this.#room.link(req, parse(IdSchema, decodePathPart(roomLinkMatch[1])), this.#origin(req)) };
		}
		const lessonMatch = /^\/api\/lessons\/([^/]+)$/.exec(path);
		if (lessonMatch && method === 'GET') {
			const id = parse(IdSchema, decodePathPart(lessonMatch[1]));
			const lesson = catalog.lesson(id);
			if (!lesson) throw new AppError('not_found', `no lesson ${id}`);
			return { json: { lesson, links: await this.#links(lesson, this.#origin(req)) } };
		}
		throw new AppError('not_found', `no route ${method} ${path}`);
	}

	/** A replayed session of a ready recorded lesson for one classroom: a lesson of its own, with its links. */
	async #createReplay(req: IncomingMessage): Promise<{ status: number; json: unknown }> {
		const input = parse(CreateClassReplaySchema, await readJson(req));
		const lesson = await createReplayedSession(this.#deps.catalog, this.#deps.replays, { ...input, by: 'staff' });
		return { status: 201, json: { lesson, links: await this.#links(lesson, this.#origin(req)) } };
	}

	/** Where the same page is served over HTTPS, for a page opened over plain http (null: it is secure already, or we know none). */
	#httpsOrigin(req: IncomingMessage): string | null {
		const origin = { publicUrl: this.#deps.publicUrl, trustProxy: this.#deps.trustProxy ?? 0 };
		if (requestIsSecure(req, origin)) return null;
		if (origin.publicUrl?.startsWith('https:')) return origin.publicUrl;
		const port = this.#deps.httpsPort?.() ?? null;
		if (port === null) return null;
		const host = new URL(linkOrigin(req, origin)).hostname;
		return `https://${host}:${port}`;
	}

	#origin(req: IncomingMessage): string {
		return linkOrigin(req, { publicUrl: this.#deps.publicUrl, trustProxy: this.#deps.trustProxy ?? 0 });
	}

	#links(lesson: LessonRecord, origin: string): Promise<LessonLinks> {
		return lessonLinks(this.#deps.tokens, lesson, origin);
	}
}
