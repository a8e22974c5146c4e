import type { JoinGrant, JoinPending } from '$protocol';

/** What a phone remembers: its device token (same identity next time) and the last lesson joined. */
export interface StoredJoin {
	code: string;
	grant: JoinGrant;
}

const DEVICE_KEY = 'classbridge.student.device';
const JOIN_KEY = 'classbridge.student.join';
const CLAIM_KEY = 'classbridge.student.claim';

/** A request to join as a held name, waiting for the assistant: a reload goes on waiting. */
export interface StoredClaim {
	code: string;
	pending: JoinPending['pending'];
}

function read(key: string): string | null {
	try {
		return localStorage.getItem(key);
	} catch {
		return null;
	}
}

function write(key: string, value: string | null): void {
	try {
		if (value === null) localStorage.removeItem(key);
		else localStorage.setItem(key, value);
	} catch {
		// Private mode: the phone just asks again next time.
	}
}

export function deviceToken(): string | undefined {
	return read(DEVICE_KEY) ?? undefined;
}

/** The last join, if its lesson token has not expired. */
export function storedJoin(): StoredJoin | null {
	const raw = read(JOIN_KEY);
	if (!raw) return null;
	try {
		const parsed = JSON.parse(raw) as StoredJoin;
		if (!parsed?.grant?.token || parsed.grant.expiresAt <= Date.now()) return null;
		return parsed;
	} catch {
		return null;
	}
}

export function remember(code: string, grant: JoinGrant): void {
	write(DEVICE_KEY, grant.deviceToken);
	write(JOIN_KEY, JSON.stringify({ code, grant } satisfies StoredJoin));
}

/** "Not me": forget the lesson and the identity on this phone. */
export function forget(): void {
	write(JOIN_KEY, null);
	write(DEVICE_KEY, null);
}

export function storedClaim(): StoredClaim | null {
	const raw = read(CLAIM_KEY);
	if (!raw) return null;
	try {
		const parsed = JSON.parse(raw) as StoredClaim;
		if (!parsed?.pending?.claimId || parsed.pending.expiresAt <= Date.now()) return null;
		return parsed;
	} catch {
		return null;
	}
}

export function rememberClaim(claim: StoredClaim | null): void {
	write(CLAIM_KEY, claim ? JSON.stringify(claim) : null);
}
