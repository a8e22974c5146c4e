import type { IncomingMessage } from 'node:http';
import { TokenError, type TokenService } from '../auth/TokenService.ts';
import type { CatalogStore } from '../catalog/CatalogStore.ts';
import { moduleLogger } from '../../core/logger.ts';
import {
	ClaimPollSchema,
	ClaimRefSchema,
	JOIN_API,
	JOIN_CLAIM_API,
	JOIN_CLAIM_CANCEL_API,
	JoinCodeSchema,
	JoinRequestSchema,
	sameStudentName,
	type ClaimAnswer,
	type JoinGrant,
	type JoinInfo,
	type JoinPending,
	type LessonRecord,
	type Student
} from '../../protocol/index.ts';
import { AppError } from '../../core/errors.ts';
import { parse, readJson, clientAddress, decodePathPart } from '../../core/http/httpUtil.ts';
import { JoinLimits } from './joinLimits.ts';
import type { RateLimitFactory } from '../rates/rateLimits.ts';

const log = moduleLogger('student-join');

/** A phone keeps its device token this long: a school year and then some. */
const DEVICE_TOKEN_DAYS = 400;

export interface StudentJoinDeps {
	catalog: CatalogStore;
	tokens: TokenService;
	/** Reverse proxies in front of the server (TRUST_PROXY): the rate limit counts real addresses. */
	trustProxy?: number;
	/** Where the join counters live: shared between nodes with Redis; absent: this process's memory. */
	rateLimits?: RateLimitFactory;
}

type Answer = { status?: number; json: unknown };

/**
 * The public student join routes (no account): look a code up for the name picker, then join as a
 * class-list entry and get a lesson token plus a device token that brings the same identity back in
 * every later lesson of the room. A listed name that another device holds needs the assistant's
 * approval: the phone gets a claim to wait on instead of tokens.
 */
export class StudentJoin {
	readonly #deps: StudentJoinDeps;
	readonly #limits: JoinLimits;

	constructor(deps: StudentJoinDeps) {
		this.#deps = deps;
		this.#limits = new JoinLimits(deps.rateLimits);
	}

	/** Null when the route is not a join route. */
	async route(req: IncomingMessage, path: string, method: string): Promise<Answer | null> {
		if (method === 'POST' && path === JOIN_CLAIM_API) return this.#poll(req);
		if (method === 'POST' && path === JOIN_CLAIM_CANCEL_API) return this.#cancel(req);
		if (method === 'POST' && path === JOIN_API) return this.#join(req);
		if (method === 'GET' && path.startsWith(`${JOIN_API}/`)) {
			await this.#limits.byAddress(this.#address(req));
			return { json: this.#info(decodePathPart(path.slice(JOIN_API.length + 1))) };
		}
		return null;
	}

	#address(req: IncomingMessage): string {
		return clientAddress(req, this.#deps.trustProxy ?? 0);
	}

	#lesson(rawCode: string): { lesson: LessonRecord; classroomId: string } {
		const code = parse(JoinCodeSchema, rawCode);
		const found = this.#deps.catalog.lookupJoinCode(code);
		if (!found) throw new AppError('not_found', `no lesson has the join code ${code}; check the code on your classroom screen`);
		assertOpen(found.lesson);
		return found;
	}

	#info(code: string): JoinInfo {
		const { lesson, classroomId } = this.#lesson(code);
		const { catalog } = this.#deps;
		return {
			lessonTitle: lesson.title,
			classroomName: catalog.classroom(classroomId)?.name ?? '',
			students: catalog
				.students(classroomId)
				.filter((s) => s.listed)
				.map((s) => ({ pick: catalog.pickHandle(lesson.id, s.id), name: s.name }))
		};
	}

	async #join(req: IncomingMessage): Promise<Answer> {
		const body = await readJson(req);
		const input = parse(JoinRequestSchema, body);
		const device = await this.#device(input.deviceToken);
		// A phone that shows a valid device token is counted on its own, not with the school's address.
		if (device) await this.#limits.byDevice(device.studentId);
		else await this.#limits.byAddress(this.#address(req));

		const { lesson, classroomId } = this.#lesson(input.code);
		const { catalog } = this.#deps;
		// A phone whose name was handed to another phone since (an approved claim) is not that student any more.
		const current = device?.classroomId === classroomId && catalog.holdsNow(device.studentId, device.holder);
		const remembered = current ? resolvedFor(catalog.resolveStudent(device.studentId), classroomId) : undefined;

		if (input.pick) {
			const picked = catalog.studentByPick(lesson.id, classroomId, input.pick);
			if (!picked) throw new AppError('not_found', 'that name is not on this class list; pick it again or type your name');
			return this.#claimOrGrant(lesson, classroomId, picked, remembered, device?.holder);
		}
		if (input.name) {
			const name = input.name;
			if (remembered && sameStudentName(remembered.name, name)) return this.#grant(lesson, classroomId, remembered, device?.holder);
			const listed = catalog.listedByName(classroomId, name);
			if (listed) return this.#claimOrGrant(lesson, classroomId, listed, remembered, device?.holder);
			// A phone holds one typed name per room: typing another renames it.
			if (remembered && !remembered.listed) return this.#grant(lesson, classroomId, await catalog.renameStudent(remembered.id, name), device?.holder);
			const typed = await catalog.addTypedStudent(classroomId, name, lesson.id);
			if (!typed) {
				throw new AppError(
					'conflict',
					'this room cannot take more typed names in this lesson; ask your assistant to add your name to the class list, then pick it',
					'typed_names_full'
				);
			}
			catalog.roomChanged(lesson.id, classroomId);
			return this.#grant(lesson, classroomId, typed, device?.holder);
		}
		if (remembered) return this.#grant(lesson, classroomId, remembered, device?.holder);
		throw new AppError('invalid', 'type your name or pick it from the list');
	}

	/** A listed name: this device's own or nobody's yet joins at once; another device's waits for approval. */
	#claimOrGrant(lesson: LessonRecord, classroomId: string, student: Student, remembered: Student | undefined, presented: string | undefined): Promise<Answer> | Answer {
		const { catalog } = this.#deps;
		if (remembered?.id === student.id || catalog.takeIfFree(student.id)) return this.#grant(lesson, classroomId, student, presented);
		const opened = catalog.claims.open({ lessonId: lesson.id, classroomId, studentId: student.id, name: student.name });
		if (!opened) {
			throw new AppError('rate_limited', 'too many phones are waiting for approval in this room; ask your assistant', 'too_many_claims');
		}
		const pending: JoinPending = {
			pending: {
				claimId: opened.claim.id,
				secret: opened.secret,
				name: student.name,
				classroomName: catalog.classroom(classroomId)?.name ?? '',
				expiresAt: opened.claim.expiresAt,
				lessonId: lesson.id
			}
		};
		return { status: 202, json: pending };
	}

	/** `presented`: the holder key of the device token the phone showed (kept when it is the name's current one). */
	async #grant(lesson: LessonRecord, classroomId: string, student: Student, presented: string | undefined): Promise<Answer> {
		return { status: 201, json: await this.#tokensFor(lesson, classroomId, student, presented) };
	}

	async #tokensFor(lesson: LessonRecord, classroomId: string, student: Student, presented?: string): Promise<JoinGrant> {
		const { catalog, tokens } = this.#deps;
		const holder = catalog.hold(student.id, presented);
		const expiresAt = lesson.linksExpireAt;
		const [token, deviceToken] = await Promise.all([
			tokens.signLesson({ lessonId: lesson.id, role: 'student', classroomId, participantId: student.id, expiresAt, holder }),
			tokens.signDevice({ classroomId, studentId: student.id, expiresAt: Date.now() + DEVICE_TOKEN_DAYS * 86_400_000, holder })
		]);
		log.debug({ lessonId: lesson.id, classroomId }, 'student joined by code');
		return { token, deviceToken, student: { id: student.id, name: student.name }, lessonId: lesson.id, classroomId, expiresAt };
	}

	/** The phone asks whether its claim was answered, waiting up to `waitMs` for the answer. */
	async #poll(req: IncomingMessage): Promise<Answer> {
		const input = parse(ClaimPollSchema, await readJson(req));
		const { claims } = this.#deps.catalog;
		const claim = claims.find(input.claimId, input.secret);
		if (!claim) {
			await this.#limits.byAddress(this.#address(req));
			throw new AppError('not_found', 'this request to join is not known any more; join again');
		}
		await this.#limits.byClaim(claim.id);
		if (claim.status === 'pending' && input.waitMs > 0) {
			const gone = new AbortController();
			const onClose = () => gone.abort();
			req.socket.once('close', onClose);
			try {
				await claims.waitForAnswer(claim.id, input.waitMs, gone.signal);
			} finally {
				req.socket.off('close', onClose);
			}
		}
		return { json: await this.#answer(claim.id) };
	}

	async #answer(claimId: string): Promise<ClaimAnswer> {
		const { catalog } = this.#deps;
		const claim = catalog.claims.get(claimId);
		if (!claim) return { status: 'expired' };
		if (claim.status === 'pending') return { status: 'pending', expiresAt: claim.expiresAt };
		if (claim.status !== 'approved') return { status: claim.status };
		const lesson = catalog.lesson(claim.lessonId);
		const student = resolvedFor(catalog.resolveStudent(claim.studentId), claim.classroomId);
		if (!lesson || !student) return { status: 'expired' };
		assertOpen(lesson);
		return { status: 'approved', grant: await this.#tokensFor(lesson, claim.classroomId, student) };
	}

	async #cancel(req: IncomingMessage): Promise<Answer> {
		const input = parse(ClaimRefSchema, await readJson(req));
		if (!this.#deps.catalog.claims.cancel(input.claimId, input.secret)) {
			await this.#limits.byAddress(this.#address(req));
			throw new AppError('not_found', 'this request to join is not known any more');
		}
		await this.#limits.byClaim(input.claimId);
		return { json: { status: 'cancelled' } satisfies ClaimAnswer };
	}

	/** The classroom and student a device token names, if it is valid; anything else is ignored. */
	async #device(deviceToken: string | undefined): Promise<{ classroomId: string; studentId: string; holder?: string } | undefined> {
		if (!deviceToken) return undefined;
		try {
			const grant = await this.#deps.tokens.verifyDevice(deviceToken);
			return { classroomId: grant.classroomId, studentId: grant.studentId, ...(grant.holder === undefined ? {} : { holder: grant.holder }) };
		} catch (error) {
			if (error instanceof TokenError) return undefined;
			throw error;
		}
	}
}

function assertOpen(lesson: LessonRecord): void {
	if (lesson.status === 'ended') throw new AppError('gone', 'this lesson has ended', 'lesson_ended');
	if (lesson.linksExpireAt <= Date.now()) throw new AppError('gone', 'the links of this lesson have expired', 'lesson_ended');
}

function resolvedFor(student: Student | undefined, classroomId: string): Student | undefined {
	return student?.classroomId === classroomId ? student : undefined;
}
