import { ApiError } from '../api/admin-api.ts';
import { AdminAuth } from '../admin/admin-auth.svelte.ts';
import { LibraryApi } from './library-api.ts';

/**
 * Who opens the library or a replay: staff signed in with the session cookie (the admin link's
 * `?token=` signs in once), or the lesson's teacher with their lesson link's token (`?t=`), which
 * opens only that lesson.
 */
export class RecordingAuth {
	readonly admin = new AdminAuth();
	teacherToken = $state<string | null>(null);
	/** The teacher's link was refused (expired, or another lesson's). */
	teacherRejected = $state(false);

	staff: boolean = $derived(!this.teacherToken && this.admin.signedIn);
	api: LibraryApi | null = $derived(this.teacherToken ? new LibraryApi(this.teacherToken) : this.staff ? new LibraryApi(null) : null);

	init(url: URL): void {
		const teacher = url.searchParams.get('t');
		if (teacher) this.teacherToken = teacher;
		else this.admin.init(url);
	}

	/** `?t=…` to carry the teacher's token on to another recording page; '' for staff. */
	query(): string {
		return this.teacherToken ? `?t=${encodeURIComponent(this.teacherToken)}` : '';
	}

	check(err: unknown): void {
		if (this.teacherToken) {
			if (err instanceof ApiError && (err.status === 401 || err.status === 403)) this.teacherRejected = true;
			return;
		}
		this.admin.check(err);
	}
}
