/**
 * A ClassroomEvent as the store keeps it. Generic over the event type: the typed columns are lifted
 * from `data` by key wherever present, so event types added later (recording.*, lesson.ended) are
 * stored without a change here.
 */
export interface IncomingEvent {
	v: number;
	id: string;
	lessonId: string;
	at: number;
	type: string;
	actor: string;
	role: string;
	classroomId: string | null;
	data: unknown;
}

/** The event's envelope, the typed columns lifted from `data`, and `data` itself as JSON (names removed). */
export interface EventRow extends Omit<IncomingEvent, 'data'> {
	subject: string | null;
	pollId: string | null;
	anonymous: boolean | null;
	correct: boolean | null;
	flag: boolean | null;
	durationMs: number | null;
	loss: number | null;
	rttMs: number | null;
	score: number | null;
	data: string;
}

/** Keys kept out of the store: names and free text (names come from the class list when staff ask), and poll results (counted from the answers). */
const KEPT_OUT_KEYS = new Set(['displayName', 'text', 'results']);

export function toEventRow(event: IncomingEvent): EventRow {
	const data = (event.data && typeof event.data === 'object' ? event.data : {}) as Record<string, unknown>;
	const kept: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(data)) if (!KEPT_OUT_KEYS.has(key)) kept[key] = value;
	return {
		id: event.id,
		lessonId: event.lessonId,
		at: Math.round(event.at),
		type: event.type,
		actor: event.actor,
		role: event.role,
		classroomId: event.classroomId,
		v: event.v,
		subject: str(data.participantId),
		pollId: str(data.pollId),
		anonymous: bool(data.anonymous),
		correct: bool(data.correct),
		flag: bool(data.rejoin),
		durationMs: num(data.durationMs),
		loss: num(data.lossFraction),
		rttMs: num(data.rttMs),
		score: num(data.score),
		data: JSON.stringify(kept)
	};
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
