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
 * Students join without an account (public routes, rate-limited per address):
 *   GET  /api/join/<code>  → JoinInfo (the picker: listed names and ids only)
 *   POST /api/join         JoinRequest → JoinGrant
 * Answers: 404 unknown code, 410 the lesson has ended or its links expired, 429 too many attempts.
 */
export const JoinRequestSchema = z
	.object({
		code: JoinCodeSchema,
		/** A name typed on the phone (a listed name with the same spelling is taken as picked). */
		name: StudentNameSchema.optional(),
		/** A name picked from the class list. */
		studentId: IdSchema.optional(),
		/** The device token this phone got last time: the same student again, in any lesson of the room. */
		deviceToken: z.string().min(1).max(2048).optional()
	})
	.strict();
export type JoinRequest = z.input<typeof JoinRequestSchema>;

export interface JoinInfo {
	lessonTitle: string;
	classroomName: string;
	students: { id: string; name: string }[];
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

export const JOIN_API = '/api/join';
