import type { IncomingMessage } from 'node:http';
import { TokenError, type TokenService } from '../auth/TokenService.ts';
import type { CatalogStore } from '../catalog/CatalogStore.ts';
import { moduleLogger } from '../logger.ts';
import { JOIN_API, JoinCodeSchema, JoinRequestSchema, type JoinGrant, type JoinInfo, type LessonRecord, type Student } from '../protocol/index.ts';
import { RateLimiter } from '../rateLimit.ts';
import { HttpError, parse, readJson, clientAddress, decodePathPart } from './httpUtil.ts';

const log = moduleLogger('student-join');

/** A phone keeps its device token this long: a school year and then some. */
const DEVICE_TOKEN_DAYS = 400;

/**
 * Join attempts per address: a whole class behind one school NAT joins at once (burst), while
 * guessing codes stays hopeless (a 6-character code has 887 million values).
 */
export const JOIN_BURST = 120;
export const JOIN_PER_SECOND = 2;

export interface StudentJoinDeps {
	catalog: CatalogStore;
	tokens: TokenService;
	/** Reverse proxies in front of the server (TRUST_PROXY): the rate limit counts real addresses. */
	trustProxy?: number;
}

/**
 * The public student join routes (no account): look a code up for the name picker, then join as a
 * class-list entry and get a lesson token plus a device token that brings the same identity back in
 * every later lesson of the room.
 */
export class StudentJoin {
	readonly #deps: StudentJoinDeps;
	readonly #limit = new RateLimiter(JOIN_BURST, JOIN_PER_SECOND);

	constructor(deps: StudentJoinDeps) {
		this.#deps = deps;
	}

	/** Null when the route is not a join route. */
	async route(req: IncomingMessage, path: string, method: string): Promise<{ status?: number; json: unknown } | null> {
		const lookup = path.startsWith(`${JOIN_API}/`) && method === 'GET';
		const join = path === JOIN_API && method === 'POST';
		if (!lookup && !join) return null;
		const address = clientAddress(req, this.#deps.trustProxy ?? 0);
		if (!this.#limit.take(address)) {
			throw new HttpError(429, 'rate_limited', 'too many join attempts from this network; wait a minute and try again');
		}
		if (lookup) return { json: this.#info(decodePathPart(path.slice(JOIN_API.length + 1))) };
		return { status: 201, json: await this.#join(await readJson(req)) };
	}

	#lesson(rawCode: string): { lesson: LessonRecord; classroomId: string } {
		const code = parse(JoinCodeSchema, rawCode);
		const found = this.#deps.catalog.lookupJoinCode(code);
		if (!found) throw new HttpError(404, 'not_found', `no lesson has the join code ${code}; check the code on your classroom screen`);
		if (found.lesson.status === 'ended') throw new HttpError(410, 'lesson_ended', 'this lesson has ended');
		if (found.lesson.linksExpireAt <= Date.now()) throw new HttpError(410, 'lesson_ended', 'the links of this lesson have expired');
		return found;
	}

	#info(code: string): JoinInfo {
		const { lesson, classroomId } = this.#lesson(code);
		const { catalog } = this.#deps;
		return {
			lessonTitle: lesson.title,
			classroomName: catalog.classroom(classroomId)?.name ?? '',
			students: catalog.students(classroomId).filter((s) => s.listed).map(({ id, name }) => ({ id, name }))
		};
	}

	async #join(body: unknown): Promise<JoinGrant> {
		const input = parse(JoinRequestSchema, body);
		const { lesson, classroomId } = this.#lesson(input.code);
		const { catalog, tokens } = this.#deps;
		const remembered = await this.#remembered(input.deviceToken, classroomId);
		let student: Student | undefined;
		if (input.studentId) {
			student = catalog.resolveStudent(input.studentId);
			const mine = student && remembered && student.id === remembered.id;
			if (!student || student.classroomId !== classroomId || (!student.listed && !mine)) {
				throw new HttpError(404, 'not_found', 'that name is not on this class list; pick it again or type your name');
			}
		} else if (input.name) {
			const name = input.name;
			student = remembered && sameName(remembered.name, name) ? remembered : catalog.listedByName(classroomId, name);
			student ??= (await catalog.addStudents(classroomId, [name], false))[0];
		} else {
			student = remembered;
		}
		if (!student) throw new HttpError(400, 'invalid', 'type your name or pick it from the list');
		const expiresAt = lesson.linksExpireAt;
		const [token, deviceToken] = await Promise.all([
			tokens.signLesson({ lessonId: lesson.id, role: 'student', classroomId, participantId: student.id, expiresAt }),
			tokens.signDevice({ classroomId, studentId: student.id, expiresAt: Date.now() + DEVICE_TOKEN_DAYS * 86_400_000 })
		]);
		log.debug({ lessonId: lesson.id, classroomId }, 'student joined by code');
		return { token, deviceToken, student: { id: student.id, name: student.name }, lessonId: lesson.id, classroomId, expiresAt };
	}

	/** The student a device token names, if it is valid and for this room; anything else is ignored. */
	async #remembered(deviceToken: string | undefined, classroomId: string): Promise<Student | undefined> {
		if (!deviceToken) return undefined;
		try {
			const grant = await this.#deps.tokens.verifyDevice(deviceToken);
			if (grant.classroomId !== classroomId) return undefined;
			const student = this.#deps.catalog.resolveStudent(grant.studentId);
			return student?.classroomId === classroomId ? student : undefined;
		} catch (error) {
			if (error instanceof TokenError) return undefined;
			throw error;
		}
	}
}

/** Names arrive normalised (StudentNameSchema); case does not make another student. */
function sameName(a: string, b: string): boolean {
	return a.toLocaleLowerCase() === b.toLocaleLowerCase();
}
