import { z } from 'zod';
import { IdSchema } from './common.ts';

/**
 * A classroom's class list: the students of one room, the same in every lesson of that room, so a
 * student keeps one pseudonymous id (`stu_…`) across lessons. Students pick their name from the
 * list on their phone or type a new one (an unlisted entry, `listed: false`) that the assistant can
 * later accept into the list or merge into a listed name.
 *
 * Merging maps the unlisted id to the listed one for every later join (by device token or by
 * picking); events already recorded keep the id they had, and a `student.merged` event records the
 * link so analytics can join the two.
 */

export const MAX_CLASS_LIST = 500;

/** A display name as people type it: trimmed, inner spacing collapsed, no control characters. */
export const StudentNameSchema = z
	.string()
	.transform((s) => s.replace(/\s+/g, ' ').trim())
	.pipe(
		z
			.string()
			.min(1, 'type a name')
			.max(40, 'names are at most 40 characters')
			.refine((s) => !/\p{Cc}/u.test(s), 'names cannot contain control characters')
	);

export interface ClassListEntry {
	id: string;
	name: string;
	/** False for a name a student typed that the assistant has not accepted or merged yet. */
	listed: boolean;
}

export interface ClassList {
	classroomId: string;
	students: ClassListEntry[];
}

/** The classroom is optional for assistants (their own room); the teacher names one. */
export const ClassroomRefSchema = IdSchema.optional();
