import type {
	Catalog,
	Classroom,
	LessonLinks,
	LessonRecord,
	RoomLink,
	School,
	SetupStatus
} from '$protocol';
import type { z } from 'zod';
import type { CreateClassReplaySchema, CreateClassroomSchema, CreateLessonSchema, CreateSchoolSchema } from '$protocol';
import { CLASS_REPLAYS_API, roomLinkPath } from '$protocol';

/** A failed /api call: the server's `{ error: { code, message } }`, or a network problem. */
export class ApiError extends Error {
	readonly status: number;
	readonly code: string;

	constructor(status: number, code: string, message: string) {
		super(message);
		this.name = 'ApiError';
		this.status = status;
		this.code = code;
	}
}

export interface LessonWithLinks {
	lesson: LessonRecord;
	links: LessonLinks;
}

/** The admin HTTP API, authorised by the staff session cookie (sent by the browser, unseen by scripts). */
export class AdminApi {
	catalog(): Promise<Catalog> {
		return this.#call('GET', '/api/catalog');
	}

	createSchool(body: z.input<typeof CreateSchoolSchema>): Promise<School> {
		return this.#call('POST', '/api/schools', body);
	}

	createClassroom(body: z.input<typeof CreateClassroomSchema>): Promise<Classroom> {
		return this.#call('POST', '/api/classrooms', body);
	}

	lessons(): Promise<LessonRecord[]> {
		return this.#call('GET', '/api/lessons');
	}

	createLesson(body: z.input<typeof CreateLessonSchema>): Promise<LessonWithLinks> {
		return this.#call('POST', '/api/lessons', body);
	}

	/** A replayed session of a ready recorded lesson for one classroom. */
	createClassReplay(body: z.input<typeof CreateClassReplaySchema>): Promise<LessonWithLinks> {
		return this.#call('POST', CLASS_REPLAYS_API, body);
	}

	/** The classroom's room page link (its assistant starts recorded lessons there). */
	roomLink(classroomId: string): Promise<RoomLink> {
		return this.#call('POST', roomLinkPath(classroomId), {});
	}

	lesson(id: string): Promise<LessonWithLinks> {
		return this.#call('GET', `/api/lessons/${encodeURIComponent(id)}`);
	}

	setupStatus(): Promise<SetupStatus> {
		return this.#call('GET', '/api/setup/status');
	}

	#call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
		return callJson<T>(method, path, body);
	}
}

/** One JSON call to this server's API; a refusal or a network failure becomes an ApiError. */
export async function callJson<T>(method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
	let res: Response;
	try {
		res = await fetch(path, {
			method,
			headers: {
				accept: 'application/json',
				...headers,
				...(body === undefined ? {} : { 'content-type': 'application/json' })
			},
			body: body === undefined ? undefined : JSON.stringify(body)
		});
	} catch (err) {
		throw new ApiError(0, 'network', err instanceof Error ? err.message : String(err));
	}
	const data: unknown = await res.json().catch(() => null);
	if (!res.ok) {
		const error = (data as { error?: { code?: string; message?: string } } | null)?.error;
		throw new ApiError(res.status, error?.code ?? 'internal', error?.message ?? `HTTP ${res.status}`);
	}
	return data as T;
}
