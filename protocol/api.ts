import { z } from 'zod';
import { StudentNameSchema } from './classList.ts';
import { IdSchema, LocaleKindSchema } from './common.ts';

/** HTTP API (/api/*) bodies for the admin pages. Authorised by an admin token (Bearer). */
export const CreateSchoolSchema = z.object({
	name: z.string().trim().min(1).max(80),
	locale: LocaleKindSchema
}).strict();

export const CreateClassroomSchema = z.object({
	schoolId: IdSchema,
	name: z.string().trim().min(1).max(80)
}).strict();

export const CreateLessonSchema = z.object({
	title: z.string().trim().min(1).max(120),
	teacherName: z.string().trim().min(1).max(60),
	classroomIds: z.array(IdSchema).min(1).max(64).refine((ids) => new Set(ids).size === ids.length, 'classrooms must be distinct'),
	/** Links stay valid this long (hours). */
	linkTtlHours: z.number().int().min(1).max(24 * 90).default(24 * 7),
	/** Record by itself once the teacher joins (and again after a server restart). */
	autoRecord: z.boolean().default(false)
}).strict();

export interface School { id: string; name: string; locale: 'urban' | 'rural'; createdAt: number }
export interface Classroom { id: string; schoolId: string; name: string; createdAt: number }
/** One entry of a classroom's class list (see classList.ts). */
export interface Student {
	id: string;
	classroomId: string;
	name: string;
	listed: boolean;
	createdAt: number;
	/** Set when the assistant merged this (unlisted) entry into a listed one: later joins become that id. */
	mergedInto: string | null;
	/** When a device first joined as this entry; from then on another phone needs approval to take it. */
	heldAt?: number | null;
	/** The lesson a typed entry was typed in (for the per-lesson cap); null for listed names. */
	typedInLesson?: string | null;
	/** When the assistant or teacher removed this typed entry: off every list, its device tokens dead. */
	removedAt?: number | null;
}
export interface LessonRecord {
	id: string;
	title: string;
	teacherName: string;
	classroomIds: string[];
	joinCodes: Record<string, string>;
	createdAt: number;
	linksExpireAt: number;
	status: 'scheduled' | 'live' | 'ended';
	/** Recording starts by itself when the teacher joins. */
	autoRecord: boolean;
	/** A replayed session: the recorded lesson it plays in class (see classReplay.ts). */
	replayOf?: string | null;
}
export interface LessonLinks {
	teacher: string;
	observer: string;
	classrooms: { classroomId: string; room: string; assistant: string; joinCode: string }[];
	expiresAt: number;
}
export interface Catalog { schools: School[]; classrooms: Classroom[] }

/** A join code as typed on a phone: letters and digits, case ignored. */
export const JoinCodeSchema = z
	.string()
	.trim()
	.toUpperCase()
	.regex(/^[A-Z0-9]{4,12}$/, 'a join code is 4 to 12 letters and digits');

/**
 * Students join without an account (public routes, rate-limited per device, else per address):
 *   GET  /api/join/<code>          → JoinInfo (the picker: listed names with per-lesson pick handles)
 *   POST /api/join                 JoinRequest → 201 JoinGrant, or 202 JoinPending when the name is
 *                                  held by another device and the assistant must approve
 *   POST /api/join/claim           ClaimPoll → ClaimAnswer (waits up to `waitMs` for a decision)
 *   POST /api/join/claim/cancel    ClaimRef → ClaimAnswer (`cancelled`)
 * Answers: 404 unknown code, 409 `typed_names_full` (ask the assistant), 410 the lesson has ended or
 * its links expired, 429 too many attempts (or too many phones waiting in the room).
 */
export const JoinRequestSchema = z
	.object({
		code: JoinCodeSchema,
		/** A name typed on the phone (a listed name with the same spelling is taken as picked). */
		name: StudentNameSchema.optional(),
		/** A name picked from the class list: its handle from JoinInfo (valid in this lesson only). */
		pick: IdSchema.optional(),
		/** The device token this phone got last time: the same student again, in any lesson of the room. */
		deviceToken: z.string().min(1).max(2048).optional()
	})
	.strict();
export type JoinRequest = z.input<typeof JoinRequestSchema>;

export interface JoinInfo {
	lessonTitle: string;
	classroomName: string;
	/**
	 * Listed names. `pick` is an opaque handle for this lesson and room, not the student's id: the
	 * stable pseudonymous ids stay out of a page anyone with the code can read.
	 */
	students: { pick: string; name: string }[];
}

export interface JoinGrant {
	/** Lesson token (role student) for the socket: `/live?t=<token>`. Valid until the lesson's links expire. */
	token: string;
	/** Long-lived token for this classroom and student; keep it on the device (localStorage). */
	deviceToken: string;
	student: { id: string; name: string };
	lessonId: string;
	classroomId: string;
	expiresAt: number;
}

/** 202 to POST /api/join: another device holds this name; the room's assistant decides. */
export interface JoinPending {
	pending: {
		claimId: string;
		/** Only this phone knows it: it asks for the decision with it. */
		secret: string;
		name: string;
		classroomName: string;
		expiresAt: number;
		/** The lesson the claim waits in: the phone names it (`?lesson=`) when it asks, so a deployment of several nodes routes it to the lesson's. */
		lessonId: string;
	};
}

export const ClaimRefSchema = z
	.object({
		claimId: IdSchema,
		secret: z.string().min(16).max(128)
	})
	.strict();
export type ClaimRef = z.input<typeof ClaimRefSchema>;

/** The longest a phone's request waits for the assistant's decision before it asks again. */
export const CLAIM_WAIT_MAX_MS = 25_000;

export const ClaimPollSchema = ClaimRefSchema.extend({
	waitMs: z.number().int().min(0).max(CLAIM_WAIT_MAX_MS).default(0)
}).strict();
export type ClaimPoll = z.input<typeof ClaimPollSchema>;

export type ClaimAnswer =
	| { status: 'pending'; expiresAt: number }
	| { status: 'approved'; grant: JoinGrant }
	| { status: 'denied' }
	| { status: 'expired' }
	| { status: 'cancelled' };

export const JOIN_API = '/api/join';
export const JOIN_CLAIM_API = '/api/join/claim';
export const JOIN_CLAIM_CANCEL_API = '/api/join/claim/cancel';

/**
 * GET /api/setup/status (staff): what the deployment still lacks, for the admin page. The board
 * (tldraw) shows "Get a license for production" on every whiteboard, in English, until
 * TLDRAW_LICENSE_KEY is set; its licence does not allow hiding that prompt.
 */
export const SETUP_STATUS_API = '/api/setup/status';
export interface SetupStatus {
	boardLicence: 'set' | 'missing';
}
