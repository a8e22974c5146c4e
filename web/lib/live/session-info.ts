import { ConnectRefusalSchema, RoleSchema, type ConnectRefusal, type Role } from '$protocol';

export interface SessionInfo {
	role: Role;
	lessonId: string;
	classroomId: string | null;
	expiresAt: number;
	/** The same server over HTTPS, when this page came over plain http and the server knows one. */
	httpsOrigin: string | null;
}

export type SessionResult =
	| { ok: true; info: SessionInfo }
	/** `refusal` set: the link is bad for good. Unset: the server could not be reached; retry. */
	| { ok: false; refusal: ConnectRefusal | null; message: string };

/** GET /api/session?t=…: who this link is for, before opening the socket. */
export async function fetchSession(token: string): Promise<SessionResult> {
	let res: Response;
	try {
		res = await fetch(`/api/session?t=${encodeURIComponent(token)}`, { headers: { accept: 'application/json' } });
	} catch (err) {
		return { ok: false, refusal: null, message: String(err) };
	}
	const body: unknown = await res.json().catch(() => null);
	if (res.ok && body && typeof body === 'object') {
		const b = body as Record<string, unknown>;
		const role = RoleSchema.safeParse(b.role);
		if (role.success) {
			return {
				ok: true,
				info: {
					role: role.data,
					lessonId: String(b.lessonId ?? ''),
					classroomId: typeof b.classroomId === 'string' ? b.classroomId : null,
					expiresAt: typeof b.expiresAt === 'number' ? b.expiresAt : 0,
					httpsOrigin: typeof b.httpsOrigin === 'string' && b.httpsOrigin.startsWith('https://') ? b.httpsOrigin : null
				}
			};
		}
	}
	const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
	const refusal = ConnectRefusalSchema.safeParse(error?.code);
	if (refusal.success) return { ok: false, refusal: refusal.data, message: String(error?.message ?? '') };
	if (res.status === 401 || res.status === 403 || res.status === 404) {
		return { ok: false, refusal: 'token_invalid', message: String(error?.message ?? res.statusText) };
	}
	return { ok: false, refusal: null, message: `HTTP ${res.status}` };
}
