import {
	BoardSnapshotSchema,
	LIBRARY_API,
	PACKAGES_API,
	RECORDINGS_API,
	type DistrictHoldings,
	type ImportResult,
	type SyncStatus,
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

	/** Staff: a `.classbridge.zip` checked and added to the library (refusals carry the reason as code). */
	importPackage(file: Blob): Promise<ImportResult> {
		return this.#call('POST', `${PACKAGES_API}/import`, file);
	}

	async syncStatus(): Promise<SyncStatus | null> {
		return (await this.#call<{ status: SyncStatus | null }>('GET', `${PACKAGES_API}/sync`)).status;
	}

	holdings(): Promise<DistrictHoldings> {
		return this.#call('GET', `${PACKAGES_API}/holdings`);
	}

	/** The package as a file: a link for staff (cookie); a teacher's token rides in a header, so it is fetched. */
	async exportPackage(lessonId: string, title: string): Promise<void> {
		const url = `${RECORDINGS_API}/${encodeURIComponent(lessonId)}/export`;
		const link = document.createElement('a');
		if (this.#teacherToken) {
			const res = await fetch(url, { headers: { authorization: `Bearer ${this.#teacherToken}` } });
			if (!res.ok) throw new ApiError(res.status, 'internal', `HTTP ${res.status}`);
			link.href = URL.createObjectURL(await res.blob());
			link.download = `${title}.classbridge.zip`;
		} else {
			link.href = url;
			link.download = '';
		}
		document.body.append(link);
		link.click();
		link.remove();
	}

	async #call<T>(method: 'GET' | 'DELETE' | 'POST', path: string, body?: Blob): Promise<T> {
		let res: Response;
		try {
			const authorization: Record<string, string> = this.#teacherToken ? { authorization: `Bearer ${this.#teacherToken}` } : {};
			const type: Record<string, string> = body ? { 'content-type': 'application/zip' } : {};
			res = await fetch(path, { method, body, headers: { ...authorization, ...type, accept: 'application/json' } });
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
