import type { IncomingMessage } from 'node:http';
import type { StaffAuth } from '../auth/StaffAuth.ts';
import { TokenError } from '../auth/TokenService.ts';
import { AppError } from '../../core/errors.ts';
import { bearerToken } from '../../core/http/httpUtil.ts';
import { changesState, sameOrigin, staffCookie, type RequestOrigin } from './staffCookie.ts';

/**
 * Who may use the staff routes: a browser with the staff session cookie, or a script with
 * `Authorization: Bearer <admin token>`. A cookie-authenticated change must also come from a page of
 * this site (Origin), so a forged cross-site form or fetch changes nothing even where SameSite fails.
 */
export class StaffAccess {
	readonly #auth: StaffAuth;
	readonly #origin: RequestOrigin;

	constructor(auth: StaffAuth, origin: RequestOrigin) {
		this.#auth = auth;
		this.#origin = origin;
	}

	get auth(): StaffAuth {
		return this.#auth;
	}

	/** Resolves for staff; a missing or refused credential is a TokenError (401), a cross-site change a forbidden AppError (403). */
	async require(req: IncomingMessage): Promise<void> {
		const bearer = bearerToken(req);
		if (bearer !== undefined) {
			await this.#auth.verifyAdminToken(bearer);
			return;
		}
		await this.requireSession(req);
	}

	/** The session cookie only (for a route that read the Bearer header for something else). */
	async requireSession(req: IncomingMessage): Promise<void> {
		const cookie = staffCookie(req);
		if (cookie === undefined) throw new TokenError('token_missing', 'staff sign-in required: open the admin link');
		await this.#auth.verifySession(cookie);
		if (changesState(req.method) && !sameOrigin(req, this.#origin)) {
			throw new AppError('forbidden', 'a signed-in change must come from a page of this site');
		}
	}
}
