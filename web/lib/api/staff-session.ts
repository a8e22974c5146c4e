/**
 * The staff sign-in (`/api/staff/session`): the admin link's token is traded once for an HttpOnly
 * session cookie that page scripts never see; every staff call after that rides on the cookie.
 */
const SESSION_API = '/api/staff/session';

/** Where the old pages kept the admin token itself; removed wherever it is found. */
const LEGACY_TOKEN_KEY = 'classbridge.adminToken';

export type SignInResult = 'signed-in' | 'refused' | 'network';

export async function staffSignedIn(): Promise<boolean> {
	try {
		const res = await fetch(SESSION_API, { headers: { accept: 'application/json' }, cache: 'no-store' });
		return res.ok && ((await res.json()) as { signedIn?: unknown }).signedIn === true;
	} catch {
		return false;
	}
}

export async function staffSignIn(token: string): Promise<SignInResult> {
	try {
		const res = await fetch(SESSION_API, {
			method: 'POST',
			headers: { 'content-type': 'application/json', accept: 'application/json' },
			body: JSON.stringify({ token })
		});
		return res.ok ? 'signed-in' : 'refused';
	} catch {
		return 'network';
	}
}

export async function staffSignOut(): Promise<void> {
	try {
		await fetch(SESSION_API, { method: 'DELETE' });
	} catch {
		// The cookie expires by itself; the page forgets the session either way.
	}
}

/** The admin token an older version left in localStorage, taken out (to sign in with once), if any. */
export function takeLegacyAdminToken(): string | null {
	try {
		const token = localStorage.getItem(LEGACY_TOKEN_KEY);
		if (token !== null) localStorage.removeItem(LEGACY_TOKEN_KEY);
		return token;
	} catch {
		return null;
	}
}

/** What was pasted: a whole admin link (its `token`) or the bare token. */
export function adminTokenFromInput(input: string): string {
	const text = input.trim();
	try {
		const fromLink = new URL(text).searchParams.get('token');
		if (fromLink) return fromLink;
	} catch {
		// Not a link: the token itself.
	}
	return text;
}
