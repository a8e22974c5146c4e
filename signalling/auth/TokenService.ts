import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { z } from 'zod';
import { IdSchema, RoleSchema, type ConnectRefusal, type Role } from '../../protocol/index.ts';
import { AppError } from '../../core/errors.ts';

const ISSUER = 'classbridge';

const LessonClaimsSchema = z.object({
	kind: z.literal('lesson'),
	lid: IdSchema,
	role: RoleSchema,
	cid: IdSchema.nullable(),
	sub: z.string().min(1).max(80),
	exp: z.number(),
	hld: z.string().min(1).max(32).optional()
});
/** `gen`: the admin-link generation it was issued in; a newer generation revokes it (AdminGeneration). */
const AdminClaimsSchema = z.object({ kind: z.literal('admin'), sub: z.string(), gen: z.string().min(1).max(64), exp: z.number() });
const StaffSessionClaimsSchema = z.object({ kind: z.literal('staff'), sid: z.string().min(16).max(64), gen: z.string().min(1).max(64), exp: z.number() });
const DeviceClaimsSchema = z.object({ kind: z.literal('device'), cid: IdSchema, sub: IdSchema, exp: z.number(), hld: z.string().min(1).max(32).optional() });
const RoomClaimsSchema = z.object({ kind: z.literal('room'), cid: IdSchema, gen: z.string().min(1).max(64), exp: z.number() });
const ApiClaimsSchema = z.object({ kind: z.literal('api'), jti: IdSchema, exp: z.number().optional() });
const MediaClaimsSchema = z.object({ kind: z.literal('media'), lid: IdSchema, exp: z.number() });

export interface LessonGrant {
	kind: 'lesson';
	lessonId: string;
	role: Role;
	classroomId: string | null;
	/** Stable pseudonymous identity of whoever holds this link. */
	participantId: string;
	expiresAt: number;
	/** A student's link: which device's link it is (CatalogStore.hold); a newer one replaces it. */
	holder?: string;
}
export interface AdminGrant {
	kind: 'admin';
	/** The admin-link generation it belongs to: valid only while that is the current one. */
	generation: string;
	expiresAt: number;
}
/**
 * A classroom's room page (the assistant's tablet between lessons): it may list the recorded lessons
 * and start one of them in that classroom. Of an admin-link generation, like staff links.
 */
export interface RoomGrant {
	kind: 'room';
	classroomId: string;
	generation: string;
	expiresAt: number;
}
/** A signed-in staff browser (the session cookie), made from an admin link of `generation`. */
export interface StaffSessionGrant {
	kind: 'staff';
	sessionId: string;
	generation: string;
	expiresAt: number;
}
/** What a student's phone keeps: which class-list entry it is, in which classroom. Joins nothing by itself. */
export interface DeviceGrant {
	kind: 'device';
	classroomId: string;
	studentId: string;
	expiresAt: number;
	/** The holder key of the link it came with (LessonGrant.holder). */
	holder?: string;
}

/**
 * A district data hub's read-only API token. The id lets staff revoke it: the data API checks the
 * id against the list of live tokens on every request, so a signature alone is not enough.
 */
export interface ApiGrant {
	kind: 'api';
	tokenId: string;
	expiresAt: number | null;
}

/**
 * Opens one lesson package's files for a few hours (replay, download). It goes in a URL's query,
 * because <video src> cannot send headers, so it grants nothing else.
 */
export interface MediaGrant {
	kind: 'media';
	lessonId: string;
	expiresAt: number;
}

/** Why a token was refused, shown to the user by the UI. */
export class TokenError extends AppError {
	declare readonly reason: ConnectRefusal;
	constructor(reason: ConnectRefusal, message: string) {
		super('unauthorized', message, reason);
		this.name = 'TokenError';
	}
}

/** Signed (HS256) tokens scoped to one lesson, role and classroom, with an expiry. */
export class TokenService {
	readonly #secret: Uint8Array;

	constructor(secret: Uint8Array) {
		if (secret.byteLength < 32) throw new Error('token secret must be at least 32 bytes');
		this.#secret = secret;
	}

	async signLesson(grant: Omit<LessonGrant, 'kind'>): Promise<string> {
		const holder = grant.holder === undefined ? {} : { hld: grant.holder };
		return new SignJWT({ kind: 'lesson', lid: grant.lessonId, role: grant.role, cid: grant.classroomId, ...holder })
			.setProtectedHeader({ alg: 'HS256' })
			.setIssuer(ISSUER)
			.setSubject(grant.participantId)
			.setIssuedAt()
			.setExpirationTime(Math.floor(grant.expiresAt / 1000))
			.sign(this.#secret);
	}

	async signAdmin(generation: string, expiresAt: number): Promise<string> {
		return new SignJWT({ kind: 'admin', gen: generation })
			.setProtectedHeader({ alg: 'HS256' })
			.setIssuer(ISSUER)
			.setSubject('admin')
			.setIssuedAt()
			.setExpirationTime(Math.floor(expiresAt / 1000))
			.sign(this.#secret);
	}

	async signStaffSession(grant: Omit<StaffSessionGrant, 'kind'>): Promise<string> {
		return new SignJWT({ kind: 'staff', sid: grant.sessionId, gen: grant.generation })
			.setProtectedHeader({ alg: 'HS256' })
			.setIssuer(ISSUER)
			.setSubject('staff')
			.setIssuedAt()
			.setExpirationTime(Math.floor(grant.expiresAt / 1000))
			.sign(this.#secret);
	}

	async signDevice(grant: Omit<DeviceGrant, 'kind'>): Promise<string> {
		const holder = grant.holder === undefined ? {} : { hld: grant.holder };
		return new SignJWT({ kind: 'device', cid: grant.classroomId, ...holder })
			.setProtectedHeader({ alg: 'HS256' })
			.setIssuer(ISSUER)
			.setSubject(grant.studentId)
			.setIssuedAt()
			.setExpirationTime(Math.floor(grant.expiresAt / 1000))
			.sign(this.#secret);
	}

	async signRoom(grant: Omit<RoomGrant, 'kind'>): Promise<string> {
		return new SignJWT({ kind: 'room', cid: grant.classroomId, gen: grant.generation })
			.setProtectedHeader({ alg: 'HS256' })
			.setIssuer(ISSUER)
			.setSubject('room')
			.setIssuedAt()
			.setExpirationTime(Math.floor(grant.expiresAt / 1000))
			.sign(this.#secret);
	}

	/** An API token with this id; without `expiresAt` it lasts until revoked. */
	async signApi(tokenId: string, expiresAt?: number): Promise<string> {
		const jwt = new SignJWT({ kind: 'api' }).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISSUER).setSubject('api').setJti(tokenId).setIssuedAt();
		if (expiresAt !== undefined) jwt.setExpirationTime(Math.floor(expiresAt / 1000));
		return jwt.sign(this.#secret);
	}

	async signMedia(grant: Omit<MediaGrant, 'kind'>): Promise<string> {
		return new SignJWT({ kind: 'media', lid: grant.lessonId })
			.setProtectedHeader({ alg: 'HS256' })
			.setIssuer(ISSUER)
			.setSubject('media')
			.setIssuedAt()
			.setExpirationTime(Math.floor(grant.expiresAt / 1000))
			.sign(this.#secret);
	}

	async verify(token: unknown): Promise<LessonGrant | AdminGrant | StaffSessionGrant | DeviceGrant | ApiGrant | MediaGrant | RoomGrant> {
		if (typeof token !== 'string' || token.length === 0) throw new TokenError('token_missing', 'no token given');
		if (token.length > 2048) throw new TokenError('token_invalid', 'token too long');
		let payload: unknown;
		try {
			({ payload } = await jwtVerify(token, this.#secret, { issuer: ISSUER, algorithms: ['HS256'] }));
		} catch (error) {
			if (error instanceof joseErrors.JWTExpired) throw new TokenError('token_expired', 'this link has expired');
			throw new TokenError('token_invalid', 'this link is not valid');
		}
		const admin = AdminClaimsSchema.safeParse(payload);
		if (admin.success) return { kind: 'admin', generation: admin.data.gen, expiresAt: admin.data.exp * 1000 };
		const staff = StaffSessionClaimsSchema.safeParse(payload);
		if (staff.success) return { kind: 'staff', sessionId: staff.data.sid, generation: staff.data.gen, expiresAt: staff.data.exp * 1000 };
		const room = RoomClaimsSchema.safeParse(payload);
		if (room.success) return { kind: 'room', classroomId: room.data.cid, generation: room.data.gen, expiresAt: room.data.exp * 1000 };
		const api = ApiClaimsSchema.safeParse(payload);
		if (api.success) return { kind: 'api', tokenId: api.data.jti, expiresAt: api.data.exp === undefined ? null : api.data.exp * 1000 };
		const media = MediaClaimsSchema.safeParse(payload);
		if (media.success) return { kind: 'media', lessonId: media.data.lid, expiresAt: media.data.exp * 1000 };
		const device = DeviceClaimsSchema.safeParse(payload);
		if (device.success) {
			const grant: DeviceGrant = { kind: 'device', classroomId: device.data.cid, studentId: device.data.sub, expiresAt: device.data.exp * 1000 };
			if (device.data.hld !== undefined) grant.holder = device.data.hld;
			return grant;
		}
		const lesson = LessonClaimsSchema.safeParse(payload);
		if (!lesson.success) throw new TokenError('token_invalid', 'this link is not valid');
		const c = lesson.data;
		const grant: LessonGrant = { kind: 'lesson', lessonId: c.lid, role: c.role, classroomId: c.cid, participantId: c.sub, expiresAt: c.exp * 1000 };
		if (c.hld !== undefined) grant.holder = c.hld;
		return grant;
	}

	async verifyLesson(token: unknown): Promise<LessonGrant> {
		const grant = await this.verify(token);
		if (grant.kind !== 'lesson') throw new TokenError('token_invalid', grant.kind === 'admin' || grant.kind === 'staff' ? 'an admin link cannot join a lesson' : `a ${grant.kind} token cannot join a lesson`);
		return grant;
	}

	/** A media token for this lesson's package. */
	async verifyMedia(token: unknown, lessonId: string): Promise<MediaGrant> {
		const grant = await this.verify(token);
		if (grant.kind !== 'media') throw new TokenError('token_invalid', 'media token required');
		if (grant.lessonId !== lessonId) throw new TokenError('token_invalid', 'this media token is for another lesson');
		return grant;
	}

	async verifyDevice(token: unknown): Promise<DeviceGrant> {
		const grant = await this.verify(token);
		if (grant.kind !== 'device') throw new TokenError('token_invalid', 'device token required');
		return grant;
	}

	/** Signature and kind only; whether the id is still live is the caller's check (ApiTokenRegistry). */
	async verifyApi(token: unknown): Promise<ApiGrant> {
		const grant = await this.verify(token);
		if (grant.kind !== 'api') throw new TokenError('token_invalid', 'an API token is required');
		return grant;
	}
}
