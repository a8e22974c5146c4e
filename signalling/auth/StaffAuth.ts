import { randomBytes } from 'node:crypto';
import { AdminGeneration } from './AdminGeneration.ts';
import { SignedOutSessions, type SignedOutList } from './SignedOutSessions.ts';
import { TokenError, type AdminGrant, type RoomGrant, type StaffSessionGrant, type TokenService } from './TokenService.ts';

/**
 * How long a staff browser stays signed in after opening the admin link: a working day. The link
 * itself is the long-lived secret (kept in a password manager, printed by the server); the cookie a
 * browser holds, perhaps on a shared school computer, should not outlive the day it was made.
 */
export const STAFF_SESSION_TTL_MS = 12 * 3_600_000;

export interface StaffSession {
	/** The cookie's value: a signed session token. */
	value: string;
	expiresAt: number;
}

/**
 * Staff access: admin links (a signed token of the current admin-link generation) and the browser
 * sessions made from them. A session is a signed token naming a random session id and the
 * generation it came from; signing out lists the id in SignedOutSessions, and a new generation
 * (`npm run admin-link`) ends every link and session of the older ones.
 */
export class StaffAuth {
	readonly #tokens: TokenService;
	readonly #generation: AdminGeneration;
	readonly #signedOut: SignedOutList;

	private constructor(tokens: TokenService, generation: AdminGeneration, signedOut: SignedOutList) {
		this.#tokens = tokens;
		this.#generation = generation;
		this.#signedOut = signedOut;
	}

	/** `shareSignedOut`: wraps this node's list of sign-outs (a cluster shares it through Redis). */
	static async open(dataDir: string, tokens: TokenService, shareSignedOut?: (local: SignedOutList) => SignedOutList): Promise<StaffAuth> {
		const local = await SignedOutSessions.open(dataDir);
		return new StaffAuth(tokens, await AdminGeneration.open(dataDir), shareSignedOut ? shareSignedOut(local) : local);
	}

	/** An admin token of the current generation, valid until `expiresAt` or the next `admin-link`. */
	async adminToken(expiresAt: number): Promise<string> {
		const generation = await this.#generation.current();
		if (!generation) throw new Error(`no admin-link generation in ${this.#generation.file}`);
		return this.#tokens.signAdmin(generation, expiresAt);
	}

	async verifyAdminToken(token: unknown): Promise<AdminGrant> {
		const grant = await this.#tokens.verify(token);
		if (grant.kind !== 'admin') throw new TokenError('token_invalid', 'admin link required');
		await this.#current(grant.generation, 'this admin link has been replaced by a newer one (npm run admin-link)');
		return grant;
	}

	/** A classroom's room-page link token, of the current generation (a new admin link ends it too). */
	async roomToken(classroomId: string, expiresAt: number): Promise<string> {
		const generation = await this.#generation.current();
		if (!generation) throw new Error(`no admin-link generation in ${this.#generation.file}`);
		return this.#tokens.signRoom({ classroomId, generation, expiresAt });
	}

	async verifyRoomToken(token: unknown): Promise<RoomGrant> {
		const grant = await this.#tokens.verify(token);
		if (grant.kind !== 'room') throw new TokenError('token_invalid', 'a room page link is required');
		await this.#current(grant.generation, 'this room page link has been replaced; ask your school for a new one');
		return grant;
	}

	/** Exchanges an admin token for a browser session that ends with it, or after STAFF_SESSION_TTL_MS. */
	async openSession(adminToken: unknown): Promise<StaffSession> {
		const admin = await this.verifyAdminToken(adminToken);
		const expiresAt = Math.min(Date.now() + STAFF_SESSION_TTL_MS, admin.expiresAt);
		const sessionId = randomBytes(18).toString('base64url');
		return { value: await this.#tokens.signStaffSession({ sessionId, generation: admin.generation, expiresAt }), expiresAt };
	}

	async verifySession(value: unknown): Promise<StaffSessionGrant> {
		const grant = await this.#tokens.verify(value).catch((error: unknown) => {
			if (error instanceof TokenError && error.reason === 'token_expired') throw new TokenError('token_expired', 'your staff session has ended; open the admin link again');
			throw error;
		});
		if (grant.kind !== 'staff') throw new TokenError('token_invalid', 'not a staff session');
		await this.#current(grant.generation, 'this staff session was ended by a new admin link');
		if (await this.#signedOut.has(grant.sessionId)) throw new TokenError('token_invalid', 'this staff session was signed out');
		return grant;
	}

	/** Signs a session out for good, on every node that shares the data folder or (a cluster) Redis. */
	async closeSession(value: unknown): Promise<void> {
		const grant = await this.verifySession(value);
		await this.#signedOut.add(grant.sessionId, grant.expiresAt);
	}

	async #current(generation: string, message: string): Promise<void> {
		if (generation !== (await this.#generation.current())) throw new TokenError('token_invalid', message);
	}
}
