/**
 * The socket.io handshake names its lesson in this query parameter (the token itself travels in the
 * handshake body), so that any node of a deployment can send the socket to the lesson's node.
 */
export const SOCKET_LESSON_PARAM = 'cbl';

/**
 * The lesson a lesson token names, read and not verified (for routing only: the node that serves
 * the lesson verifies the token); null for any other token or text.
 */
export function tokenLessonId(token: string): string | null {
	const payload = token.split('.')[1];
	if (!payload || payload.length > 4096) return null;
	try {
		const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { kind?: unknown; lid?: unknown };
		return claims.kind === 'lesson' && typeof claims.lid === 'string' ? claims.lid : null;
	} catch {
		return null;
	}
}
