import { Redis } from 'ioredis';
import { moduleLogger } from '../core/logger.ts';

const log = moduleLogger('socket-adapter');

/**
 * The Redis client for socket.io's streams adapter. The adapter sends its ephemeral messages
 * (heartbeats, requests between nodes) with PUBLISH and drops the promise, so a PUBLISH that fails
 * (Redis gone, the client closing with commands queued) would reach the process as an unhandled
 * rejection. Each PUBLISH here gets a handler that logs; callers that await it still see the error.
 */
export function adapterRedis(url: string): Redis {
	const redis = new Redis(url, { maxRetriesPerRequest: null });
	redis.on('error', (error: Error) => log.warn({ err: error.message }, 'redis adapter error'));
	const publish = redis.publish.bind(redis) as (channel: string | Buffer, message: string | Buffer) => Promise<number>;
	redis.publish = ((channel: string | Buffer, message: string | Buffer) => {
		const sent = publish(channel, message);
		sent.catch((error: Error) => log.debug({ err: error.message }, 'adapter publish failed'));
		return sent;
	}) as Redis['publish'];
	return redis;
}
