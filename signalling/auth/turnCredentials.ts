import { createHmac } from 'node:crypto';
import type { IceServer } from '../../protocol/index.ts';

export interface TurnConfig {
	urls: string[];
	secret: string;
	ttlSeconds: number;
}

/**
 * Short-lived TURN credentials in coturn's REST-API scheme (use-auth-secret): the username is
 * "<expiry unix seconds>:<participant id>" and the password HMAC-SHA1(secret, username) in base64,
 * so coturn checks them without a database and a leaked one expires.
 */
export function turnIceServers(turn: TurnConfig | null, participantId: string, now = Date.now()): IceServer[] {
	if (!turn) return [];
	const username = `${Math.floor(now / 1000) + turn.ttlSeconds}:${participantId}`;
	const credential = createHmac('sha1', turn.secret).update(username).digest('base64');
	return [{ urls: [...turn.urls], username, credential }];
}
