import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { TokenError } from '../auth/TokenService.ts';
import { unauthorizedOnRefusal } from '../auth/tokenRefusal.ts';
import { moduleLogger } from '../../core/logger.ts';
import type { StaffAccess } from './StaffAccess.ts';
import { AppError } from '../../core/errors.ts';
import { parse, readJson, sendError, sendJson } from '../../core/http/httpUtil.ts';
import { changesState, clearSessionCookies, requestIsSecure, sameOrigin, sessionSetCookie, staffCookie, type RequestOrigin } from './staffCookie.ts';

const log = moduleLogger('staff-session');

export const STAFF_SESSION_API = '/api/staff/session';

const SignInSchema = z.object({ token: z.string().min(1).max(2048) }).strict();

export interface StaffSessionHttpDeps {
	access: StaffAccess;
	origin: RequestOrigin;
}

/**
 * /api/staff/session: a staff page trades the admin link's token for an HttpOnly session cookie
 * (POST `{ token }`), asks whether it is signed in (GET), and signs out (DELETE). The answer is
 * `{ signedIn, expiresAt? }`; the cookie's value never appears in a body or a log.
 */
export class StaffSessionHttp {
	readonly #deps: StaffSessionHttpDeps;

	constructor(deps: StaffSessionHttpDeps) {
		this.#deps = deps;
	}

	async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
		const path = (req.url ?? '/').split('?')[0];
		if (path !== STAFF_SESSION_API) return false;
		try {
			await this.#route(req, res);
		} catch (error) {
			sendError(res, error, { log, path: STAFF_SESSION_API });
		}
		return true;
	}

	async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const { access, origin } = this.#deps;
		const secure = requestIsSecure(req, origin);
		const cookie = staffCookie(req);
		// Signing in needs no cookie, but a browser's sign-in must still come from this site.
		if (changesState(req.method) && (req.headers.origin !== undefined || cookie !== undefined) && !sameOrigin(req, origin)) {
			throw new AppError('forbidden', 'sign-in and sign-out must come from a page of this site');
		}
		if (req.method === 'GET' || req.method === 'HEAD') {
			const session = cookie === undefined ? null : await access.auth.verifySession(cookie).catch(() => null);
			if (!session && cookie !== undefined) res.setHeader('set-cookie', clearSessionCookies(secure));
			return sendJson(res, 200, session ? { signedIn: true, expiresAt: session.expiresAt } : { signedIn: false });
		}
		if (req.method === 'POST') {
			const { token } = parse(SignInSchema, await readJson(req));
			const session = await unauthorizedOnRefusal(access.auth.openSession(token));
			res.setHeader('set-cookie', sessionSetCookie(session.value, session.expiresAt - Date.now(), secure));
			log.info({ expiresAt: session.expiresAt }, 'staff signed in');
			return sendJson(res, 200, { signedIn: true, expiresAt: session.expiresAt });
		}
		if (req.method === 'DELETE') {
			// A session that is no longer valid has nothing left to sign out.
			if (cookie !== undefined) await access.auth.closeSession(cookie).catch((error: unknown) => ignoreTokenError(error));
			res.setHeader('set-cookie', clearSessionCookies(secure));
			return sendJson(res, 200, { signedIn: false });
		}
		throw new AppError('not_allowed', `${req.method} is not allowed here`);
	}
}

function ignoreTokenError(error: unknown): void {
	if (!(error instanceof TokenError)) throw error;
}
