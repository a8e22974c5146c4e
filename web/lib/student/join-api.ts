import {
	JOIN_API,
	JOIN_CLAIM_API,
	JOIN_CLAIM_CANCEL_API,
	type ClaimAnswer,
	type ClaimRef,
	type JoinGrant,
	type JoinInfo,
	type JoinPending
} from '$protocol';

export type JoinFailure = { ok: false; code: string; message: string };
export type JoinResult<T> = { ok: true; data: T; status: number } | JoinFailure;

async function call<T>(path: string, init?: RequestInit): Promise<JoinResult<T>> {
	let res: Response;
	try {
		res = await fetch(path, { ...init, headers: { accept: 'application/json', 'content-type': 'application/json' } });
	} catch (err) {
		return { ok: false, code: 'network', message: String(err) };
	}
	const body: unknown = await res.json().catch(() => null);
	if (res.ok) return { ok: true, data: body as T, status: res.status };
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

/** The lesson's tokens at once, or (202) a claim to wait on when another device holds the name. */
export async function joinByCode(request: {
	code: string;
	name?: string;
	pick?: string;
	deviceToken?: string;
}): Promise<JoinResult<{ grant: JoinGrant } | JoinPending>> {
	// The code in the query too: a deployment of several nodes routes the join to the lesson's node by it.
	const result = await call<JoinGrant | JoinPending>(`${JOIN_API}?code=${encodeURIComponent(request.code.trim().toUpperCase())}`, { method: 'POST', body: JSON.stringify(request) });
	if (!result.ok) return result;
	return { ...result, data: 'pending' in result.data ? result.data : { grant: result.data } };
}

/** Asks whether the assistant answered; the server holds the request up to `waitMs` for the answer. */
export function pollClaim(ref: ClaimRef, lessonId: string, waitMs: number, signal?: AbortSignal): Promise<JoinResult<ClaimAnswer>> {
	return call<ClaimAnswer>(`${JOIN_CLAIM_API}?lesson=${encodeURIComponent(lessonId)}`, { method: 'POST', body: JSON.stringify({ ...ref, waitMs }), signal });
}

export function cancelClaim(ref: ClaimRef, lessonId: string): Promise<JoinResult<ClaimAnswer>> {
	return call<ClaimAnswer>(`${JOIN_CLAIM_CANCEL_API}?lesson=${encodeURIComponent(lessonId)}`, { method: 'POST', body: JSON.stringify(ref), keepalive: true });
}
