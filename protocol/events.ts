import { z } from 'zod';
import { IdSchema, RoleSchema } from './common.ts';
import type { PollResults } from './polls.ts';

/**
 * ClassroomEvent: one record per state change, the single stream behind live state, the replay
 * timeline and analytics. Versioned; `data` is typed per `type` and carries what a reader needs to
 * rebuild the change without asking the live store (chat text, poll results at close).
 */
export const CLASSROOM_EVENT_VERSION = 1;

const SourceSchema = z.enum(['mic', 'camera', 'screen']);

/** A poll's full results (the teacher's view), built by the server; checked for shape only. */
const PollResultsDataSchema = z.custom<PollResults>(
	(value) => typeof value === 'object' && value !== null && typeof (value as { pollId?: unknown }).pollId === 'string',
	'poll results'
);

const ClassListChangeSchema = z.enum(['added', 'renamed', 'accepted', 'merged', 'removed']);

/** A poll answer as analytics sees it: options chosen (true/false: [0] true, [1] false), a number, or a text's length. */
const PollAnswerDataSchema = z.object({
	pollId: z.string(),
	anonymous: z.boolean(),
	options: z.array(z.number().int()).nullable(),
	value: z.number().nullable(),
	textLength: z.number().int().nullable(),
	/** Null when the poll has no right answer. */
	correct: z.boolean().nullable()
});

export const EventDataSchemas = {
	/** `joinedAt`: the first join of this identity in the lesson (a rejoin keeps it). */
	'participant.joined': z.object({ displayName: z.string(), rejoin: z.boolean(), joinedAt: z.number() }),
	/** The connection dropped: the participant shows offline and keeps its place for the reconnect grace. */
	'participant.away': z.object({}),
	'participant.left': z.object({ reason: z.enum(['disconnect', 'timeout', 'replaced']) }),
	'media.published': z.object({ producerId: z.string(), source: SourceSchema, kind: z.enum(['audio', 'video']) }),
	'media.unpublished': z.object({ producerId: z.string(), source: SourceSchema }),
	'media.paused': z.object({ producerId: z.string(), source: SourceSchema, paused: z.boolean() }),
	'media.reset': z.object({ reason: z.enum(['worker_died']) }),
	'stage.changed': z.object({ classroomId: IdSchema.nullable(), previous: IdSchema.nullable() }),
	'hand.raised': z.object({ participantId: z.string() }),
	'hand.lowered': z.object({ participantId: z.string(), by: z.enum(['self', 'teacher', 'assistant', 'leave']) }),
	/** `text` and `displayName` are for the replay; analytics keeps neither (analytics/eventRow.ts). */
	'chat.sent': z.object({ messageId: z.string(), length: z.number().int(), text: z.string(), displayName: z.string() }),
	'chat.muted': z.object({ muted: z.boolean() }),
	'audioOnly.changed': z.object({ audioOnly: z.boolean() }),
	/**
	 * The server moved a classroom (classroomId) between video and audio + slides + board because of
	 * its downlink; the reading that decided it (null when the room left while on audio).
	 */
	'linkMode.changed': z.object({
		mode: z.enum(['video', 'audio']),
		availableBitrate: z.number().nullable(),
		lossFraction: z.number().nullable()
	}),
	'speaking.segment': z.object({ participantId: z.string(), startedAt: z.number(), durationMs: z.number() }),
	'deck.uploaded': z.object({
		deckId: z.string(),
		fileName: z.string(),
		pageCount: z.number().int(),
		bytes: z.number().int(),
		scriptsIgnored: z.boolean()
	}),
	/** The teacher changed what classrooms show. */
	'slide.shown': z.object({
		kind: z.enum(['deck', 'blank', 'none']),
		deckId: z.string().nullable(),
		page: z.number().int().nullable(),
		boardId: z.string().nullable()
	}),
	/** One actor's edits to one board, batched per second: how many shapes were added, changed, removed. */
	'board.changed': z.object({
		boardId: z.string(),
		added: z.number().int(),
		updated: z.number().int(),
		removed: z.number().int(),
		windowMs: z.number().int()
	}),
	/** The teacher added a blank board to the lesson. */
	'board.added': z.object({ boardId: z.string(), number: z.number().int() }),
	'board.granted': z.object({ participantId: z.string() }),
	'board.revoked': z.object({ participantId: z.string() }),
	'board.cleared': z.object({ boardId: z.string(), removed: z.number().int() }),
	'network.quality': z.object({
		lossFraction: z.number(),
		rttMs: z.number().nullable(),
		score: z.number().nullable(),
		sendBitrate: z.number(),
		recvBitrate: z.number()
	}),
	'studentChat.changed': z.object({ mode: z.enum(['off', 'questions', 'chat']) }),
	/** A student's question to the teacher; text and name as for chat. */
	'question.asked': z.object({ messageId: z.string(), length: z.number().int(), text: z.string(), displayName: z.string() }),
	'poll.opened': z.object({
		pollId: z.string(),
		kind: z.enum(['single', 'multiple', 'truefalse', 'numeric', 'text']),
		question: z.string(),
		options: z.array(z.string()),
		anonymous: z.boolean(),
		quiz: z.boolean(),
		allowChange: z.boolean(),
		timerSeconds: z.number().int().nullable(),
		prepared: z.boolean(),
		slide: z.object({ deckId: z.string(), page: z.number().int() }).nullable(),
		openedAt: z.number(),
		closesAt: z.number().nullable(),
		/** The right answer of a quiz (for a later replay in class; absent in older recordings). */
		answerKey: z.unknown().optional(),
		/** Opened by a replayed session at the recorded poll's time. */
		replayed: z.boolean().optional()
	}),
	/** The teacher prepared (or edited) a poll to open later. */
	'poll.prepared': z.object({ pollId: z.string(), kind: z.enum(['single', 'multiple', 'truefalse', 'numeric', 'text']), question: z.string(), edited: z.boolean() }),
	/** A prepared poll that was never opened was thrown away. */
	'poll.discarded': z.object({ pollId: z.string() }),
	/**
	 * A student answered. For anonymous polls the actor is 'anonymous' (no participant id anywhere),
	 * role 'student', and classroomId stays so rooms can be compared.
	 */
	'poll.answered': PollAnswerDataSchema,
	/** A student replaced their answer (only where the poll allows it); same actor rules as poll.answered. */
	'poll.changed': PollAnswerDataSchema,
	/**
	 * `answered`: answers counted (anonymous polls: those shown, see POLL_LIMITS.anonymousMinAnswers).
	 * `withheldRooms`: anonymous polls only, rooms with too few answers to show as their own.
	 * `results`: the full results at close (for the replay; analytics counts the answer events).
	 */
	'poll.closed': z.object({
		pollId: z.string(),
		by: z.enum(['teacher', 'timer']),
		answered: z.number().int(),
		withheldRooms: z.array(z.string()).optional(),
		results: PollResultsDataSchema
	}),
	'poll.revealed': z.object({ pollId: z.string(), answered: z.number().int(), correct: z.number().int().nullable(), results: PollResultsDataSchema }),
	'poll.dismissed': z.object({ pollId: z.string() }),
	/** A room's show of hands (classroomId: the room counted), counted apart from device answers. */
	'poll.tallied': z.object({ pollId: z.string(), counts: z.array(z.number().int()), total: z.number().int() }),
	/** A typed class-list entry was merged into a listed one; earlier events keep `fromId`. */
	'student.merged': z.object({ fromId: z.string(), intoId: z.string() }),
	/** A room's class list changed (classroomId: the room); names stay in the catalog. */
	'classList.changed': z.object({ change: ClassListChangeSchema, studentIds: z.array(z.string()) }),
	/** A part of the lesson's recording began (parts count from 0). */
	'recording.started': z.object({ part: z.number().int().min(0) }),
	'recording.stopped': z.object({
		part: z.number().int().min(0),
		reason: z.enum(['teacher', 'lesson_ended', 'idle', 'disk_low', 'failed'])
	}),
	/** A recorded track's writer failed and was restarted: its media has a gap this long. */
	'recording.fault': z.object({ producerId: z.string(), gapMs: z.number().min(0) }),
	/** A replayed session's playback changed (the assistant, or a recorded poll stopping it). */
	'playback.changed': z.object({
		status: z.enum(['paused', 'playing', 'ended']),
		positionMs: z.number(),
		reason: z.enum(['start', 'assistant', 'poll', 'end']),
		pollId: z.string().nullable()
	}),
	/** The teacher ended the lesson: nobody can join it any more. */
	'lesson.ended': z.object({})
} as const;

export type ClassroomEventType = keyof typeof EventDataSchemas;

export type ClassroomEvent = {
	[T in ClassroomEventType]: {
		v: typeof CLASSROOM_EVENT_VERSION;
		id: string;
		lessonId: string;
		/** Server clock, ms since the epoch. */
		at: number;
		type: T;
		/** Pseudonymous participant id, 'system', or 'anonymous' (answers to anonymous polls). */
		actor: string;
		role: z.infer<typeof RoleSchema> | 'system';
		classroomId: string | null;
		data: z.infer<(typeof EventDataSchemas)[T]>;
	};
}[ClassroomEventType];

export type ClassroomEventOf<T extends ClassroomEventType> = Extract<ClassroomEvent, { type: T }>;

export const ClassroomEventSchema = z.discriminatedUnion(
	'type',
	(Object.keys(EventDataSchemas) as ClassroomEventType[]).map((type) =>
		z.object({
			v: z.literal(CLASSROOM_EVENT_VERSION),
			id: z.string(),
			lessonId: IdSchema,
			at: z.number(),
			type: z.literal(type),
			actor: z.string(),
			role: z.union([RoleSchema, z.literal('system')]),
			classroomId: IdSchema.nullable(),
			data: EventDataSchemas[type]
		})
	) as unknown as [z.ZodObject, ...z.ZodObject[]]
);

/** The actor of every answer to an anonymous poll. */
export const ANONYMOUS_ACTOR = 'anonymous';
