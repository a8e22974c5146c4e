import { readFile } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { writeFileAtomic } from '../../core/writeFileAtomic.ts';
import { moduleLogger } from '../../core/logger.ts';
import { generationFile } from '../auth/AdminGeneration.ts';

const log = moduleLogger('cluster:admin-generation');

const GENERATION_KEY = 'cb:admin-generation';
const GENERATION = /^[0-9a-f]{32}$/;

/**
 * Keeps the admin-link generation the same on every node: an admin link made on one node opens the
 * admin pages on all, and `npm run admin-link` run against any node's data folder revokes the older
 * links everywhere. Run on each heartbeat: a generation changed in this node's file since the last
 * run goes to Redis; otherwise a different one in Redis comes into the file.
 */
export class AdminGenerationSync {
	readonly #redis: Redis;
	readonly #file: string;
	/** The generation file and Redis agreed on at the last run. */
	#agreed: string | null = null;

	constructor(redis: Redis, dataDir: string) {
		this.#redis = redis;
		this.#file = generationFile(dataDir);
	}

	async run(): Promise<void> {
		const local = await this.#local();
		if (local && this.#agreed !== null && local !== this.#agreed) {
			await this.#redis.set(GENERATION_KEY, local);
			this.#agreed = local;
			log.info('a new admin-link generation made on this node now holds on every node');
			return;
		}
		// The first node to start (or to run after Redis lost it) puts its generation there; the others take it.
		if (local) await this.#redis.set(GENERATION_KEY, local, 'NX');
		const shared = await this.#redis.get(GENERATION_KEY);
		if (shared && GENERATION.test(shared) && shared !== local) await writeFileAtomic(this.#file, `${shared}\n`);
		this.#agreed = shared && GENERATION.test(shared) ? shared : local;
	}

	async #local(): Promise<string | null> {
		try {
			const text = (await readFile(this.#file, 'utf8')).trim();
			return GENERATION.test(text) ? text : null;
		} catch {
			return null;
		}
	}
}
