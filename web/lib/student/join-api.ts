import { JOIN_API, type JoinGrant, type JoinInfo } from '$protocol';

export type JoinFailure = { ok: false; code: string; message: string };
export type JoinResult<T> = { ok: true; data: T } | JoinFailure;

async function call<T>(path: string, init?: RequestInit): Promise<JoinResult<T>> {
	let res: Response;
	try {
		res = await fetch(path, { ...init, headers: { accept: 'application/json', 'content-type': 'application/json' } });
	} catch (err) {
		return { ok: false, code: 'network', message: String(err) };
	}
	const body: unknown = await res.json().catch(() => null);
	if (res.ok) return { ok: true, data: body as T };
	const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
	return {
		ok: false,
		code: typeof error?.code === 'string' ? error.code : res.status === 429 ? 'rate_limited' : 'server',
		message: typeof error?.message === 'string' ? error.message : res.statusText
	};
}

/** The picker: lesson title, room name and the listed names of the room behind a code. */
export function lookupCode(code: string): Promise<JoinResult<JoinInfo>> {
	return call<JoinInfo>(`${JOIN_API}/${encodeURIComponent(code.trim().toUpperCase())}`);
}

export function joinByCode(request: { code: string; name?: string; studentId?: string; deviceToken?: string }): Promise<JoinResult<JoinGrant>> {
	return call<JoinGrant>(JOIN_API, { method: 'POST', body: JSON.stringify(request) });
}
