import {
	BoardSnapshotSchema,
	LIBRARY_API,
	RECORDINGS_API,
	TimelineEntrySchema,
	type BoardSnapshot,
	type LibraryEntry,
	type LibraryQuery,
	type RecordingReplay,
	type TimelineEntry
} from '$protocol';
import { ApiError } from '../api/admin-api.ts';

/**
 * The lesson library and recorded packages over HTTP (recorder/README.md). Authorised by the staff
 * session cookie (staff: every lesson), or with a teacher's lesson token (that lesson only).
 */
export class LibraryApi {
	readonly #teacherToken: string | null;

	/** `teacherToken`: a teacher's lesson token; null for staff, whose browser sends the session cookie. */
	constructor(teacherToken: string | null) {
		this.#teacherToken = teacherToken;
	}

	async list(query: LibraryQuery = {}): Promise<LibraryEntry[]> {
		const params = new URLSearchParams();
		for (const [key, value] of Object.entries(query)) {
			if (value !== undefined && value !== '') params.set(key, String(value));
		}
		const search = params.size > 0 ? `?${params}` : '';
		const body = await this.#call<{ entries: LibraryEntry[] }>('GET', `${LIBRARY_API}${search}`);
		return body.entries;
	}

	replay(lessonId: string): Promise<RecordingReplay> {
		return this.#call('GET', `${RECORDINGS_API}/${encodeURIComponent(lessonId)}`);
	}

	/** The timeline; lines that do not parse are left out (a replay shows what it can). */
	async timeline(lessonId: string): Promise<TimelineEntry[]> {
		const body = await this.#call<{ entries: unknown[] }>('GET', `${RECORDINGS_API}/${encodeURIComponent(lessonId)}/timeline`);
		return keepValid(body.entries, (e) => TimelineEntrySchema.safeParse(e));
	}

	async boards(lessonId: string): Promise<BoardSnapshot[]> {
		const body = await this.#call<{ snapshots: unknown[] }>('GET', `${RECORDINGS_API}/${encodeURIComponent(lessonId)}/boards`);
		return keepValid(body.snapshots, (s) => BoardSnapshotSchema.safeParse(s));
	}

	async remove(lessonId: string): Promise<void> {
		await this.#call('DELETE', `${RECORDINGS_API}/${encodeURIComponent(lessonId)}`);
	}

	async #call<T>(method: 'GET' | 'DELETE', path: string): Promise<T> {
		let res: Response;
		try {
			const authorization: Record<string, string> = this.#teacherToken ? { authorization: `Bearer ${this.#teacherToken}` } : {};
			res = await fetch(path, { method, headers: { ...authorization, accept: 'application/json' } });
		} catch (err) {
			throw new ApiError(0, 'network', err instanceof Error ? err.message : String(err));
		}
		if (res.status === 204) return null as T;
		const data: unknown = await res.json().catch(() => null);
		if (!res.ok) {
			const error = (data as { error?: { code?: string; message?: string } } | null)?.error;
			throw new ApiError(res.status, error?.code ?? 'internal', error?.message ?? `HTTP ${res.status}`);
		}
		return data as T;
	}
}

/** A file of a ready package (`media/program.webm`, `decks/<id>.pdf`…), authorised by the media token. */
export function recordingFileUrl(lessonId: string, file: string, mediaToken: string): string {
	return `${RECORDINGS_API}/${encodeURIComponent(lessonId)}/files/${file}?m=${encodeURIComponent(mediaToken)}`;
}

export function recordingDownloadUrl(lessonId: string, mediaToken: string): string {
	return `${RECORDINGS_API}/${encodeURIComponent(lessonId)}/download?m=${encodeURIComponent(mediaToken)}`;
}

function keepValid<T>(items: unknown[], parse: (item: unknown) => { success: true; data: T } | { success: false }): T[] {
	const out: T[] = [];
	let dropped = 0;
	for (const item of Array.isArray(items) ? items : []) {
		const result = parse(item);
		if (result.success) out.push(result.data);
		else dropped++;
	}
	if (dropped > 0) console.warn(`[classbridge] ${dropped} recording entries did not parse and are left out`);
	return out;
}
