import type { Redis } from 'ioredis';
import { moduleLogger } from '../../core/logger.ts';
import type { NodeInfo, NodeRegistry } from './NodeRegistry.ts';

const log = moduleLogger('cluster:origins');

const originKey = (lessonId: string) => `cb:lesson:${lessonId}:origin`;

/** Sets the key to ARGV[2] only while it still names ARGV[1] (or nobody): a takeover from a dead node. */
const TAKE_OVER = `local v = redis.call('GET', KEYS[1])
if v == false or v == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end
return 0`;
/**
 * Renews the key while it names this node (1); sets it again when it is gone (a Redis restart
 * without persistence) (1); leaves it when another node holds it (0).
 */
const RENEW = `local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if v == false then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;
/** Deletes the key only while it names this node. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Where a lesson lives: here, or on another live node. */
export type Origin = { here: true } | { here: false; node: NodeInfo };

export interface LessonOriginsOptions {
	/** Whether this node still serves the lesson (has its live session); a claim it does not use lapses. */
	serving: (lessonId: string) => boolean;
	/** The lessons this node has live sessions of (also those another node placed here): each keeps its claim. */
	lessons: () => Iterable<string>;
	/** How long a claim lives without renewal. */
	ttlMs?: number;
	/** A claim not yet used by a session is kept this long (the joining socket is on its way). */
	claimGraceMs?: number;
	/** Another node holds a lesson this node served (it was cut off from Redis too long): let its clients go there. */
	lost?: (lessonId: string) => void;
}

/**
 * lesson → origin node, in Redis. The first node a lesson's participant reaches claims it; every
 * other node forwards that lesson's sockets and requests there. A claim is renewed while the origin
 * serves the lesson; when the origin's node key has expired (it died), the next node to be asked
 * takes the lesson over and its clients rebuild their media there from the shared lesson state.
 */
export class LessonOrigins {
	readonly #redis: Redis;
	readonly #registry: NodeRegistry;
	readonly #options: LessonOriginsOptions;
	readonly #ttlMs: number;
	/** Lessons this node holds, with when it claimed each. */
	readonly #held = new Map<string, number>();
	#timer: NodeJS.Timeout | null = null;

	constructor(redis: Redis, registry: NodeRegistry, options: LessonOriginsOptions) {
		this.#redis = redis;
		this.#registry = registry;
		this.#options = options;
		this.#ttlMs = options.ttlMs ?? 10_000;
	}

	get held(): ReadonlySet<string> {
		return new Set(this.#held.keys());
	}

	start(): void {
		this.#timer = setInterval(() => {
			this.#renew().catch((error: Error) => log.warn({ err: error.message }, 'origin renewal failed'));
		}, Math.max(500, Math.floor(this.#ttlMs / 4)));
		this.#timer.unref();
	}

	/** Gives every held lesson up at once (a clean shutdown), so the next node asked takes it without waiting. */
	async stop(): Promise<void> {
		if (this.#timer) clearInterval(this.#timer);
		this.#timer = null;
		const held = [...this.#held.keys()];
		this.#held.clear();
		await Promise.all(held.map((lessonId) => this.#redis.eval(RELEASE, 1, originKey(lessonId), this.#registry.id).catch(() => undefined)));
	}

	/**
	 * The lesson's origin. A lesson without one (or whose node is gone) is placed on the least-loaded
	 * live node, this one when it is among the least loaded, and claimed for that node.
	 */
	async resolve(lessonId: string): Promise<Origin> {
		const self = this.#registry.id;
		const key = originKey(lessonId);
		for (let attempt = 0; attempt < 3; attempt++) {
			const owner = await this.#redis.get(key);
			if (owner === self) {
				if (!this.#held.has(lessonId)) this.#held.set(lessonId, Date.now());
				return { here: true };
			}
			if (owner) {
				const node = await this.#registry.node(owner);
				if (node) return { here: false, node };
			}
			const target = await this.#placement();
			const taken = await this.#redis.eval(TAKE_OVER, 1, key, owner ?? '', target?.id ?? self, String(this.#ttlMs));
			if (taken !== 1) continue;
			log.info({ lessonId, node: target?.id ?? self, from: owner }, owner ? 'lesson taken over from a node that is gone' : 'lesson claimed');
			if (!target) {
				this.#held.set(lessonId, Date.now());
				return { here: true };
			}
			return { here: false, node: target };
		}
		// Three nodes raced for it at once: serve here; the next resolve settles it.
		return { here: true };
	}

	/** Where a new lesson goes: null for this node (the least loaded, or tied with it), else the least-loaded other node. */
	async #placement(): Promise<NodeInfo | null> {
		const live = await this.#registry.live();
		const least = live[0];
		const self = live.find((n) => n.id === this.#registry.id);
		if (!least || !self || least.id === self.id) return null;
		const score = (n: NodeInfo) => n.load.consumers + n.load.lessons;
		return score(self) <= score(least) ? null : least;
	}

	async #renew(): Promise<void> {
		const self = this.#registry.id;
		const grace = this.#options.claimGraceMs ?? 30_000;
		for (const lessonId of this.#options.lessons()) if (!this.#held.has(lessonId)) this.#held.set(lessonId, Date.now());
		for (const [lessonId, claimedAt] of this.#held) {
			const key = originKey(lessonId);
			if (!this.#options.serving(lessonId) && Date.now() - claimedAt > grace) {
				this.#held.delete(lessonId);
				await this.#redis.eval(RELEASE, 1, key, self);
				continue;
			}
			const renewed = await this.#redis.eval(RENEW, 1, key, self, String(this.#ttlMs));
			if (renewed !== 1) {
				// Another node took it (this one was cut off from Redis too long): it is theirs now.
				this.#held.delete(lessonId);
				log.warn({ lessonId, node: self }, 'lost the claim on a lesson');
				this.#options.lost?.(lessonId);
			}
		}
	}
}
