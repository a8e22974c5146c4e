import type { Redis } from 'ioredis';

const SECRET_KEY = 'cb:secret';

/**
 * The token-signing secret every node of a deployment signs and verifies with: the first node to
 * start puts its own in Redis; the others use that one (a link made on one node works on all).
 */
export async function sharedSecret(redis: Redis, local: Uint8Array): Promise<{ secret: Uint8Array; adopted: boolean }> {
	const mine = Buffer.from(local).toString('hex');
	await redis.set(SECRET_KEY, mine, 'NX');
	const shared = await redis.get(SECRET_KEY);
	if (!shared || !/^[0-9a-f]{64}$/.test(shared)) throw new Error(`${SECRET_KEY} in Redis is not a 64-hex-digit key`);
	return { secret: Buffer.from(shared, 'hex'), adopted: shared !== mine };
}

/**
 * Puts the secret back when Redis lost it (a restart without persistence), so that a node starting
 * then adopts the running nodes' secret instead of seeding its own.
 */
export async function keepSharedSecret(redis: Redis, secret: Uint8Array): Promise<void> {
	await redis.set(SECRET_KEY, Buffer.from(secret).toString('hex'), 'NX');
}
