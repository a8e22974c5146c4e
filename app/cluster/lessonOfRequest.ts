import type { IncomingMessage } from 'node:http';
import { bearerToken } from '../../core/http/httpUtil.ts';
import { IdSchema, JOIN_API, JOIN_CLAIM_API, JOIN_CLAIM_CANCEL_API, SOCKET_LESSON_PARAM, tokenLessonId } from '../../protocol/index.ts';

/** The lesson a classroom join code opens now, or null (a deployment's catalog is on every node). */
export type LessonOfJoinCode = (code: string) => string | null;

/**
 * Which lesson a request belongs to, for routing only: the socket.io handshake's `lesson` parameter,
 * a phone's join (`?code=`) or claim (`?lesson=`; the claim waits in the lesson's node's memory), or
 * the lesson a lesson token names (Bearer, or `?t=` for the board and deck files).
 */
export function lessonOfRequest(req: IncomingMessage, url: URL, lessonOfJoinCode: LessonOfJoinCode = () => null): string | null {
	const named = namedLesson(req, url, lessonOfJoinCode);
	return named && IdSchema.safeParse(named).success ? named : null;
}

function namedLesson(req: IncomingMessage, url: URL, lessonOfJoinCode: LessonOfJoinCode): string | null {
	if (url.pathname.startsWith('/socket.io')) return url.searchParams.get(SOCKET_LESSON_PARAM);
	if (url.pathname === JOIN_API) {
		const code = url.searchParams.get('code');
		return code && code.length <= 32 ? lessonOfJoinCode(code) : null;
	}
	if (url.pathname === JOIN_CLAIM_API || url.pathname === JOIN_CLAIM_CANCEL_API) return url.searchParams.get('lesson');
	return tokenOf(req, url);
}

function tokenOf(req: IncomingMessage, url: URL): string | null {
	const token = bearerToken(req) ?? url.searchParams.get('t');
	return token ? tokenLessonId(token) : null;
}
