import { replaceState } from '$app/navigation';
import { AdminApi, ApiError } from '../api/admin-api.ts';
import { clearAdminToken, loadAdminToken, saveAdminToken } from '../api/admin-token.ts';

/** The admin token: taken from `?token=` once (then removed from the address bar), else from storage. */
export class AdminAuth {
	token = $state<string | null>(null);
	/** The server said the token is wrong: ask for another. */
	rejected = $state(false);
	api: AdminApi | null = $derived(this.token ? new AdminApi(this.token) : null);

	init(url: URL): void {
		const fromUrl = url.searchParams.get('token');
		if (fromUrl) {
			saveAdminToken(fromUrl);
			const clean = new URL(url);
			clean.searchParams.delete('token');
			// Keep the secret out of the address bar, history and screenshots. Deferred: the router
			// is not ready while the first page is still mounting.
			const target = `${clean.pathname}${clean.search}${clean.hash}`;
			setTimeout(() => {
				try {
					replaceState(target, {});
				} catch {
					history.replaceState(history.state, '', target);
				}
			}, 0);
		}
		this.token = fromUrl ?? loadAdminToken();
	}

	save(token: string): void {
		saveAdminToken(token);
		this.rejected = false;
		this.token = token;
	}

	forget(): void {
		clearAdminToken();
		this.token = null;
	}

	/** Call with any API error: a 401/403 means the token is not (or no longer) valid. */
	check(err: unknown): void {
		if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
			this.rejected = true;
			this.token = null;
			clearAdminToken();
		}
	}
}
