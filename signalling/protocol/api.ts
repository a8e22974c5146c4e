import { z } from 'zod';
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
	linkTtlHours: z.number().int().min(1).max(24 * 90).default(24 * 7)
}).strict();

export interface School { id: string; name: string; locale: 'urban' | 'rural'; createdAt: number }
export interface Classroom { id: string; schoolId: string; name: string; createdAt: number }
export interface LessonRecord {
	id: string;
	title: string;
	teacherName: string;
	classroomIds: string[];
	joinCodes: Record<string, string>;
	createdAt: number;
	linksExpireAt: number;
	status: 'scheduled' | 'live' | 'ended';
}
export interface LessonLinks {
	teacher: string;
	observer: string;
	classrooms: { classroomId: string; room: string; assistant: string; joinCode: string }[];
	expiresAt: number;
}
export interface Catalog { schools: School[]; classrooms: Classroom[] }
