import { z } from 'zod';
import { IdSchema } from './common.ts';

/**
 * A classroom's class list: the students of one room, the same in every lesson of that room, so a
 * student keeps one pseudonymous id (`stu_…`) across lessons. Students pick their name from the
 * list on their phone or type a new one (an unlisted entry, `listed: false`) that the assistant can
 * later accept into the list, merge into a listed name, or remove.
 *
 * Merging maps the unlisted id to the listed one for every later join (by device token or by
 * picking); events already recorded keep the id they had, and a `student.merged` event records the
 * link so analytics can join the two.
 */

/** Listed names per room (what staff and assistants add). Typed names never count here. */
export const MAX_CLASS_LIST = 500;
/** Typed (unlisted) names a room may hold at once, over all its lessons. */
export const MAX_TYPED_NAMES = 300;
/** New typed names per room in one lesson: a whole class typing, not a flood. */
export const TYPED_NAMES_PER_LESSON = 100;
/** A name is at most this many characters (code points) once normalised. */
export const MAX_NAME_LENGTH = 40;

/** Line breaks and separators become spaces before anything else. */
const BREAKS = /[\n\r\t\v\f\u0085\u2028\u2029]/g;
/**
 * Characters that show nothing or reorder what is around them: controls, format characters (bidi
 * overrides, isolates and marks such as U+202E, zero-width spaces and joiners, BOM), private-use and
 * lone surrogates, every default-ignorable code point (Hangul fillers, variation selectors, …) and the
 * blank Braille pattern.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Default_Ignorable_Code_Point}\u2800]/gu;
/** More than this many combining marks on one letter only draws over the lines around it. */
const MARK_RUN = /(\p{M}{4})\p{M}+/gu;

/**
 * A display name as it is stored and shown: NFC, no invisible or reordering characters, no runs of
 * stacked marks, spacing collapsed and trimmed. Idempotent.
 */
export function normaliseStudentName(raw: string): string {
	// Hidden characters go before composing: one between a letter and its accent would keep them apart.
	return raw
		.replace(BREAKS, ' ')
		.replace(INVISIBLE, '')
		.normalize('NFC')
		.replace(MARK_RUN, '$1')
		.replace(/\s+/g, ' ')
		.trim();
}

/**
 * What two names are compared by: compatibility forms folded (full-width letters, ligatures), case
 * and spacing ignored. "王 小明", "ＷＡＮＧ ｆａｎｇ" and "wangfang" match "王小明" and "Wang Fang".
 */
export function studentNameKey(name: string): string {
	return normaliseStudentName(name).normalize('NFKC').toLowerCase().replace(/\s+/g, '');
}

export function sameStudentName(a: string, b: string): boolean {
	return studentNameKey(a) === studentNameKey(b);
}

/** Why a normalised name is refused, or null when it is fine. */
export function studentNameProblem(name: string): string | null {
	if (!name) return 'type a name';
	if ([...name].length > MAX_NAME_LENGTH) return `names are at most ${MAX_NAME_LENGTH} characters`;
	if (!/[\p{L}\p{N}]/u.test(name)) return 'a name needs at least one letter or digit';
	return null;
}

/** A display name as people type it, normalised (normaliseStudentName) and then checked. */
export const StudentNameSchema = z
	.string()
	.max(400, 'that name is far too long')
	.transform(normaliseStudentName)
	.superRefine((name, ctx) => {
		const problem = studentNameProblem(name);
		if (problem) ctx.addIssue({ code: 'custom', message: problem });
	});

export interface ClassListEntry {
	id: string;
	name: string;
	/** False for a name a student typed that the assistant has not accepted or merged yet. */
	listed: boolean;
}

/**
 * A phone asks to join as a listed name that another device holds already: it waits until the
 * room's assistant (or the teacher) approves or denies, or until `expiresAt`.
 */
export interface PendingClaim {
	id: string;
	classroomId: string;
	/** The class-list entry asked for. */
	studentId: string;
	name: string;
	createdAt: number;
	expiresAt: number;
}

export interface ClassList {
	classroomId: string;
	students: ClassListEntry[];
	/** Phones waiting for approval to join as one of these names, oldest first. */
	claims: PendingClaim[];
}

/** The classroom is optional for assistants (their own room); the teacher names one. */
export const ClassroomRefSchema = IdSchema.optional();
