import { replaceState } from '$app/navigation';
import { AdminApi, ApiError } from '../api/admin-api.ts';
import { adminTokenFromInput, staffSignedIn, staffSignIn, staffSignOut, takeLegacyAdminToken } from '../api/staff-session.ts';

/**
 * The staff sign-in of a page. An admin link's `?token=` is taken out of the address bar at once and
 * traded for the session cookie; without one the page asks the server whether this browser is
 * signed in. The token is never stored: the HttpOnly cookie is the session.
 */
export class AdminAuth {
	/** Until the server has answered whether this browser is signed in. */
	checking = $state(true);
	signedIn = $state(false);
	/** The token given was not accepted: ask for another. */
	rejected = $state(false);
	/** The session ended while the page was open (expired, signed out elsewhere, or a new admin link). */
	ended = $state(false);
	/** The server could not be reached to sign in. */
	offline = $state(false);
	api: AdminApi | null = $derived(this.signedIn ? new AdminApi() : null);

	init(url: URL): void {
		const fromUrl = url.searchParams.get('token');
		if (fromUrl) removeTokenFromAddress(url);
		const legacy = takeLegacyAdminToken();
		const token = fromUrl ?? legacy;
		if (token) void this.#signIn(token, { quiet: !fromUrl });
		else void this.#ask();
	}

	/** A token or whole admin link pasted into the prompt. */
	save(input: string): void {
		void this.#signIn(adminTokenFromInput(input), { quiet: false });
	}

	forget(): void {
		this.signedIn = false;
		this.rejected = false;
		this.ended = false;
		void staffSignOut();
	}

	/** Call with any API error: a 401 means the session is over. */
	check(err: unknown): void {
		if (err instanceof ApiError && err.status === 401 && this.signedIn) {
			this.signedIn = false;
			this.ended = true;
		}
	}

	async #ask(): Promise<void> {
		this.signedIn = await staffSignedIn();
		this.checking = false;
	}

	/** `quiet`: an old stored token that no longer works is dropped without an error shown. */
	async #signIn(token: string, { quiet }: { quiet: boolean }): Promise<void> {
		this.checking = true;
		const result = await staffSignIn(token);
		this.offline = result === 'network';
		if (result === 'signed-in') {
			this.signedIn = true;
			this.rejected = false;
			this.ended = false;
		} else {
			// A refused new token must not leave an older session looking valid, nor hide one that is.
			this.signedIn = await staffSignedIn();
			this.rejected = result === 'refused' && !quiet && !this.signedIn;
		}
		this.checking = false;
	}
}

/** Keeps the secret out of the address bar, history and screenshots. */
function removeTokenFromAddress(url: URL): void {
	const clean = new URL(url);
	clean.searchParams.delete('token');
	const target = `${clean.pathname}${clean.search}${clean.hash}`;
	history.replaceState(history.state, '', target);
	// SvelteKit's router keeps its own idea of the URL: tell it too once it is ready (not while the first page mounts).
	setTimeout(() => {
		try {
			replaceState(target, {});
		} catch {
			// The history entry is already clean.
		}
	}, 0);
}
