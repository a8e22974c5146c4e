import type { IncomingMessage } from 'node:http';
import { requestTarget } from '../../core/http/requestTarget.ts';
import { BOARD_SOCKET_PATH } from '../../protocol/index.ts';

/** Where an upgrade request goes: the board, the board but malformed (answered 400), or elsewhere (socket.io). */
export type UpgradeTarget = { kind: 'board'; url: URL } | { kind: 'malformed' } | { kind: 'elsewhere' };

/** The `scheme://authority` of an absolute-form target (`GET http://host/board`). */
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;

/**
 * Sorts an upgrade request by its target without ever throwing. A target we cannot parse still
 * counts as the board's when its path part is the board path, so the sender gets an answer.
 */
export function boardUpgradeTarget(req: IncomingMessage): UpgradeTarget {
	const url = requestTarget(req);
	if (url) return url.pathname === BOARD_SOCKET_PATH ? { kind: 'board', url } : { kind: 'elsewhere' };
	const path = (req.url ?? '').replace(ABSOLUTE_FORM, '').split(/[?#]/, 1)[0];
	return path === BOARD_SOCKET_PATH ? { kind: 'malformed' } : { kind: 'elsewhere' };
}
