import { z } from 'zod';

/** Bumped on any incompatible change to the messages in this folder. */
export const PROTOCOL_VERSION = 1;

export const RoleSchema = z.enum(['teacher', 'assistant', 'classroom', 'student', 'staff', 'observer']);
export type Role = z.infer<typeof RoleSchema>;

/** Roles that belong to one classroom and must carry its id in their token. */
export const CLASSROOM_ROLES: readonly Role[] = ['assistant', 'classroom', 'student'];

export const IdSchema = z
	.string()
	.min(1)
	.max(64)
	.regex(/^[A-Za-z0-9_-]+$/, 'ids are letters, digits, _ and -');

export const LocaleKindSchema = z.enum(['urban', 'rural']);
export type LocaleKind = z.infer<typeof LocaleKindSchema>;

export const ErrorCodeSchema = z.enum([
	'invalid',
	'forbidden',
	'not_found',
	'conflict',
	'not_allowed',
	'gone',
	'too_large',
	'unsupported',
	'unprocessable',
	'rate_limited',
	'unauthorized',
	'unavailable',
	'internal'
]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export interface WireError {
	code: ErrorCode;
	message: string;
}

/** Every request acknowledged by the server gets exactly one of these. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: WireError };

/** Reasons a socket connection is refused (sent as the connect_error message). */
export const ConnectRefusalSchema = z.enum([
	'token_missing',
	'token_invalid',
	'token_expired',
	'lesson_not_found',
	'lesson_ended',
	'classroom_not_in_lesson',
	'session_replaced'
]);
export type ConnectRefusal = z.infer<typeof ConnectRefusalSchema>;
