import type { Redis } from 'ioredis';
import { moduleLogger } from '../../core/logger.ts';
import type { SignedOutList } from '../auth/SignedOutSessions.ts';

const log = moduleLogger('cluster:signed-out');

const KEY_PREFIX = 'cb:staff:signed-out:';

/**
 * Staff sign-outs every node of a deployment honours: each is kept in this node's folder (see
 * SignedOutSessions) and in Redis until the session would have expired anyway, so a cookie signed
 * out on one node no longer opens another. Redis unreachable: a node still refuses what was signed
 * out through it; it does not sign every staff browser out (the session check reads as signed out
 * on any error), so the miss is logged rather than thrown.
 */
export class SharedSignedOutSessions implements SignedOutList {
	readonly #local: SignedOutList;
	readonly #redis: Redis;

	constructor(local: SignedOutList, redis: Redis) {
		this.#local = local;
		this.#redis = redis;
	}

	async has(sessionId: string): Promise<boolean> {
		if (await this.#local.has(sessionId)) return true;
		try {
			return (await this.#redis.exists(KEY_PREFIX + sessionId)) === 1;
		} catch (error) {
			log.warn({ err: error }, 'could not ask Redis whether a staff session was signed out on another node');
			return false;
		}
	}

	async add(sessionId: string, expiresAt: number): Promise<void> {
		await this.#local.add(sessionId, expiresAt);
		try {
			await this.#redis.set(KEY_PREFIX + sessionId, '1', 'PXAT', Math.ceil(expiresAt));
		} catch (error) {
			log.warn({ err: error }, 'a staff sign-out holds on this node only: Redis did not take it');
		}
	}
}
