/**
 * xAPI 1.0.3 statements from stored events: the learner interactions only (attending, leaving,
 * answering, asking, commenting, raising a hand), verbs from the ADL vocabulary. Actors are
 * pseudonymous accounts on this installation's home page unless the export is a named one.
 */
export const XAPI_VERSION = '1.0.3';

const ADL = 'http://adlnet.gov/expapi/verbs/';
const VERBS: Record<string, { id: string; display: string }> = {
	'participant.joined': { id: `${ADL}attended`, display: 'attended' },
	'participant.left': { id: `${ADL}exited`, display: 'exited' },
	'poll.answered': { id: `${ADL}answered`, display: 'answered' },
	'poll.changed': { id: `${ADL}answered`, display: 'answered' },
	'question.asked': { id: `${ADL}asked`, display: 'asked' },
	'chat.sent': { id: `${ADL}commented`, display: 'commented' },
	'hand.raised': { id: `${ADL}interacted`, display: 'interacted' }
};

export const XAPI_EVENT_TYPES = Object.keys(VERBS);

/** A stored event as the export SELECT returns it (actor already pseudonymised, or named). */
export interface XapiSourceRow {
	id: string;
	lesson_id: string;
	at_ms: number;
	type: string;
	actor: string;
	role: string;
	classroom_id: string | null;
	poll_id: string | null;
	correct: boolean | null;
	data: string;
	name?: string | null;
}

export interface PollInfo {
	question: string;
	kind: string;
}

export interface XapiStatement {
	id: string;
	actor: { objectType: 'Agent'; name?: string; account: { homePage: string; name: string } };
	verb: { id: string; display: Record<string, string> };
	object: { objectType: 'Activity'; id: string; definition: { type: string; name?: Record<string, string>; interactionType?: string } };
	result?: { success?: boolean; response?: string; completion?: boolean };
	context: {
		contextActivities: { parent: { objectType: 'Activity'; id: string }[]; grouping?: { objectType: 'Activity'; id: string }[] };
		extensions: Record<string, string>;
	};
	timestamp: string;
	version: string;
}

const INTERACTION: Record<string, string> = { single: 'choice', multiple: 'choice', truefalse: 'true-false', numeric: 'numeric', text: 'fill-in' };

export class XapiBuilder {
	readonly #home: string;
	readonly #polls: Map<string, PollInfo>;

	/** `homePage`: this installation's public URL; `polls`: question and kind by `lessonId/pollId`. */
	constructor(homePage: string, polls: Map<string, PollInfo>) {
		this.#home = homePage.replace(/\/$/, '');
		this.#polls = polls;
	}

	/** The statement for one event, or null for events that are not a learner's interaction. */
	statement(row: XapiSourceRow): XapiStatement | null {
		const verb = VERBS[row.type];
		if (!verb || row.role === 'system') return null;
		const data = JSON.parse(row.data) as Record<string, unknown>;
		const lesson = `${this.#home}/xapi/lessons/${encodeURIComponent(row.lesson_id)}`;
		const classroom = row.classroom_id ? `${this.#home}/xapi/classrooms/${encodeURIComponent(row.classroom_id)}` : null;
		const statement: XapiStatement = {
			id: row.id,
			actor: { objectType: 'Agent', account: { homePage: this.#home, name: row.actor } },
			verb: { id: verb.id, display: { 'en-US': verb.display } },
			object: { objectType: 'Activity', id: lesson, definition: { type: 'http://adlnet.gov/expapi/activities/meeting', name: { 'en-US': 'lesson' } } },
			context: {
				contextActivities: { parent: [{ objectType: 'Activity', id: lesson }], ...(classroom ? { grouping: [{ objectType: 'Activity', id: classroom }] } : {}) },
				extensions: {
					[`${this.#home}/xapi/extensions/lesson`]: row.lesson_id,
					[`${this.#home}/xapi/extensions/role`]: row.role,
					[`${this.#home}/xapi/extensions/event`]: row.type,
					...(row.classroom_id ? { [`${this.#home}/xapi/extensions/classroom`]: row.classroom_id } : {})
				}
			},
			timestamp: new Date(row.at_ms).toISOString(),
			version: XAPI_VERSION
		};
		if (row.name) statement.actor.name = row.name;
		if ((row.type === 'poll.answered' || row.type === 'poll.changed') && row.poll_id) {
			const poll = this.#polls.get(`${row.lesson_id}/${row.poll_id}`);
			statement.object = {
				objectType: 'Activity',
				id: `${lesson}/polls/${encodeURIComponent(row.poll_id)}`,
				definition: {
					type: 'http://adlnet.gov/expapi/activities/cmi.interaction',
					...(poll ? { name: { 'en-US': poll.question }, interactionType: INTERACTION[poll.kind] ?? 'other' } : {})
				}
			};
			const response = responseOf(data, poll?.kind);
			statement.result = { completion: true, ...(row.correct === null ? {} : { success: row.correct }), ...(response === null ? {} : { response }) };
		} else if (row.type === 'question.asked' || row.type === 'chat.sent') {
			statement.object = { objectType: 'Activity', id: `${lesson}/${row.type === 'chat.sent' ? 'chat' : 'questions'}`, definition: { type: 'http://id.tincanapi.com/activitytype/discussion' } };
		} else if (row.type === 'hand.raised') {
			statement.object = { objectType: 'Activity', id: `${lesson}/hand`, definition: { type: 'http://adlnet.gov/expapi/activities/interaction', name: { 'en-US': 'raised hand' } } };
		}
		return statement;
	}
}

/** The xAPI response string: choices as indexes joined by "[,]", a number as itself; text answers stay out (only their length is stored). */
function responseOf(data: Record<string, unknown>, kind: string | undefined): string | null {
	if (kind === 'truefalse' && Array.isArray(data.options)) return data.options[0] === 0 ? 'true' : 'false';
	if (Array.isArray(data.options)) return data.options.join('[,]');
	if (typeof data.value === 'number') return String(data.value);
	return null;
}
