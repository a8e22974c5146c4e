import { ROOM_REPLAYS_API, type RoomReplayChoices, type RoomReplayStarted } from '$protocol';
import { callJson } from './admin-api.ts';

/** The room page's calls, with its own link token as Bearer (no staff cookie involved). */
export class RoomApi {
	readonly #token: string;

	constructor(token: string) {
		this.#token = token;
	}

	choices(): Promise<RoomReplayChoices> {
		return this.#call('GET');
	}

	start(sourceLessonId: string): Promise<RoomReplayStarted> {
		return this.#call('POST', { sourceLessonId });
	}

	#call<T>(method: 'GET' | 'POST', body?: unknown): Promise<T> {
		return callJson<T>(method, ROOM_REPLAYS_API, body, { authorization: `Bearer ${this.#token}` });
	}
}
