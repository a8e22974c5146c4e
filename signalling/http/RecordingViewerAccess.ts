import type { IncomingMessage } from 'node:http';
import { AppError } from '../../core/errors.ts';
import { bearerToken } from '../../core/http/httpUtil.ts';
import { unauthorizedOnRefusal } from '../auth/tokenRefusal.ts';
import type { TokenService } from '../auth/TokenService.ts';
import type { StaffAccess } from './StaffAccess.ts';

export type RecordingViewer = { kind: 'staff' } | { kind: 'teacher'; lessonId: string };

/**
 * Who may see recordings: staff (admin token or session cookie) every lesson, a teacher token its own
 * lesson; plus the media tokens of the replay. A refused token is answered as plain `unauthorized`.
 */
export class RecordingViewerAccess {
	readonly #staff: StaffAccess;
	readonly #tokens: TokenService;

	constructor(staff: StaffAccess, tokens: TokenService) {
		this.#staff = staff;
		this.#tokens = tokens;
	}

	viewer(req: IncomingMessage): Promise<RecordingViewer> {
		return unauthorizedOnRefusal(this.#viewer(req));
	}

	signMedia(lessonId: string, expiresAt: number): Promise<string> {
		return this.#tokens.signMedia({ lessonId, expiresAt });
	}

	async verifyMedia(token: string | null, lessonId: string): Promise<void> {
		await unauthorizedOnRefusal(this.#tokens.verifyMedia(token, lessonId));
	}

	async #viewer(req: IncomingMessage): Promise<RecordingViewer> {
		const bearer = bearerToken(req);
		if (bearer === undefined) {
			await this.#staff.requireSession(req);
			return { kind: 'staff' };
		}
		const grant = await this.#tokens.verify(bearer);
		if (grant.kind === 'admin') {
			await this.#staff.auth.verifyAdminToken(bearer);
			return { kind: 'staff' };
		}
		if (grant.kind === 'lesson' && grant.role === 'teacher') return { kind: 'teacher', lessonId: grant.lessonId };
		throw new AppError('forbidden', 'only staff and the lesson’s teacher may see recordings');
	}
}
