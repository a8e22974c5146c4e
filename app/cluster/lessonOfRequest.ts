import type { IncomingMessage } from 'node:http';
import { bearerToken } from '../../core/http/httpUtil.ts';
import { IdSchema, SOCKET_LESSON_PARAM, tokenLessonId } from '../../protocol/index.ts';

/**
 * Which lesson a request belongs to, for routing only: the socket.io handshake's `lesson` parameter,
 * or the lesson a lesson token names (Bearer, or `?t=` for the board and deck files).
 */
export function lessonOfRequest(req: IncomingMessage, url: URL): string | null {
	const named = url.pathname.startsWith('/socket.io') ? url.searchParams.get(SOCKET_LESSON_PARAM) : tokenOf(req, url);
	return named && IdSchema.safeParse(named).success ? named : null;
}

function tokenOf(req: IncomingMessage, url: URL): string | null {
	const token = bearerToken(req) ?? url.searchParams.get('t');
	return token ? tokenLessonId(token) : null;
}
