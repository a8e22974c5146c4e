const KEY = 'classbridge.adminToken';

export function loadAdminToken(): string | null {
	try {
		return localStorage.getItem(KEY);
	} catch {
		return null;
	}
}

export function saveAdminToken(token: string): void {
	try {
		localStorage.setItem(KEY, token);
	} catch {
		// Without storage the token lives only for this page view.
	}
}

export function clearAdminToken(): void {
	try {
		localStorage.removeItem(KEY);
	} catch {
		// Nothing stored.
	}
}
