import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { moduleLogger } from '../../core/logger.ts';
import { DECKS_API, IdSchema, type DeckInfo } from '../../protocol/index.ts';
import type { TokenService } from '../../signalling/auth/TokenService.ts';
import type { NodeRegistry } from '../../signalling/cluster/NodeRegistry.ts';
import type { DeckStore } from '../../signalling/slides/DeckStore.ts';

const log = moduleLogger('cluster:decks');

const CHANNEL = 'cb:decks:added';
const decksKey = (lessonId: string) => `cb:decks:${lessonId}`;
const holdersKey = (lessonId: string, deckId: string) => `cb:deck:${lessonId}:${deckId}:holders`;
/** How long the token a node fetches a copy with lives. */
const FETCH_TOKEN_MS = 60_000;
/** A lesson's list of decks is compared with Redis at most this often per node (reads come in bursts). */
const CATCH_UP_EVERY_MS = 5_000;
const FETCH_TIMEOUT_MS = 30_000;

const AddedSchema = z.object({ lessonId: IdSchema, deckId: IdSchema, nodeId: z.string().min(1).max(200) }).strict();
const DeckInfoSchema = z
	.object({
		id: IdSchema,
		title: z.string().max(300),
		fileName: z.string().max(300),
		pageCount: z.number().int().min(1).max(10_000),
		bytes: z.number().int().min(0),
		uploadedAt: z.number(),
		pages: z.array(z.object({ width: z.number(), height: z.number() })).max(10_000),
		scriptsIgnored: z.boolean()
	})
	.strict();

export interface DeckCopiesOptions {
	nodeId: string;
	redis: Redis;
	registry: NodeRegistry;
	decks: DeckStore;
	tokens: TokenService;
	/** Headers that have another node serve a request itself (the signed forwarding stamp). */
	peerHeaders: Record<string, string>;
	maxBytes: number;
}

/**
 * Every node keeps a copy of every deck, so that a lesson whose origin dies goes on with its slides
 * on the node that takes it over. The node a deck is uploaded to announces it; the others fetch it
 * from there (the deck routes, with a lesson token of their own and the forwarding stamp) and say in
 * Redis that they hold it. A node that missed an announcement (down, or cut off from Redis) catches
 * up when the lesson's decks are read on it, from any live holder.
 */
export class DeckCopies {
	readonly #options: DeckCopiesOptions;
	readonly #subscriber: Redis;
	readonly #copying = new Map<string, Promise<void>>();
	readonly #caughtUpAt = new Map<string, number>();

	private constructor(options: DeckCopiesOptions, subscriber: Redis) {
		this.#options = options;
		this.#subscriber = subscriber;
		subscriber.on('message', (_channel: string, message: string) => this.#onAdded(message));
	}

	static async start(options: DeckCopiesOptions): Promise<DeckCopies> {
		const subscriber = options.redis.duplicate({ autoResubscribe: false });
		subscriber.on('error', (error: Error) => log.warn({ err: error.message }, 'deck announcements subscriber error'));
		subscriber.on('ready', () => {
			subscriber.subscribe(CHANNEL).catch((error: Error) => log.warn({ err: error.message }, 'deck announcements not followed until the next reconnect'));
		});
		await subscriber.subscribe(CHANNEL);
		return new DeckCopies(options, subscriber);
	}

	/** A deck was stored on this node: the others fetch it. */
	async announce(lessonId: string, deckId: string): Promise<void> {
		const { redis, nodeId } = this.#options;
		await redis.multi().sadd(decksKey(lessonId), deckId).sadd(holdersKey(lessonId, deckId), nodeId).publish(CHANNEL, JSON.stringify({ lessonId, deckId, nodeId })).exec();
	}

	/** Fetches the lesson's decks this node lacks from their live holders (never throws). */
	async catchUp(lessonId: string): Promise<void> {
		const last = this.#caughtUpAt.get(lessonId) ?? 0;
		if (Date.now() - last < CATCH_UP_EVERY_MS) return;
		this.#caughtUpAt.set(lessonId, Date.now());
		try {
			const { redis, decks } = this.#options;
			const have = new Set((await decks.list(lessonId)).map((d) => d.id));
			const missing = (await redis.smembers(decksKey(lessonId))).filter((id) => IdSchema.safeParse(id).success && !have.has(id));
			for (const deckId of missing) {
				for (const holder of await redis.smembers(holdersKey(lessonId, deckId))) {
					if (holder === this.#options.nodeId) continue;
					await this.#copyOnce(lessonId, deckId, holder);
					if (await decks.get(lessonId, deckId)) break;
				}
			}
		} catch (error) {
			log.warn({ lessonId, err: (error as Error).message }, 'could not catch up with the decks of a lesson');
		}
	}

	async close(): Promise<void> {
		this.#subscriber.disconnect();
		await Promise.allSettled(this.#copying.values());
	}

	#onAdded(message: string): void {
		let added: z.infer<typeof AddedSchema>;
		try {
			added = AddedSchema.parse(JSON.parse(message));
		} catch {
			log.warn('a deck announcement that is not one was ignored');
			return;
		}
		if (added.nodeId === this.#options.nodeId) return;
		void this.#copyOnce(added.lessonId, added.deckId, added.nodeId);
	}

	/** One copy of a deck at a time; failures are logged (a later read catches up). */
	#copyOnce(lessonId: string, deckId: string, from: string): Promise<void> {
		const key = `${lessonId}/${deckId}`;
		const running = this.#copying.get(key);
		if (running) return running;
		const copy = this.#copy(lessonId, deckId, from)
			.catch((error: unknown) => log.warn({ lessonId, deckId, from, err: (error as Error).message }, 'could not copy a deck from another node'))
			.finally(() => this.#copying.delete(key));
		this.#copying.set(key, copy);
		return copy;
	}

	async #copy(lessonId: string, deckId: string, from: string): Promise<void> {
		const { decks, registry, tokens, redis, nodeId } = this.#options;
		if (await decks.get(lessonId, deckId)) return;
		const node = await registry.node(from);
		if (!node) throw new Error(`node ${from} is not live`);
		// The least a lesson token can do: read the lesson, never change it.
		const token = await tokens.signLesson({ lessonId, role: 'observer', classroomId: null, participantId: `node:${nodeId}`.slice(0, 80), expiresAt: Date.now() + FETCH_TOKEN_MS });
		const get = (route: string) =>
			fetch(`${node.url}${DECKS_API}${route}`, { headers: { authorization: `Bearer ${token}`, ...this.#options.peerHeaders }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
		const listed = await get('');
		if (!listed.ok) throw new Error(`the deck list answered ${listed.status}`);
		const deck = z
			.array(z.unknown())
			.parse(await listed.json())
			.map((entry) => DeckInfoSchema.safeParse(entry).data)
			.find((d): d is DeckInfo => d?.id === deckId);
		if (!deck) throw new Error('the holder does not list the deck');
		const staging = await decks.stage();
		try {
			await writeFile(staging.pdfPath, await this.#body(await get(`/${deckId}/file`)));
			await mkdir(staging.thumbsDir, { recursive: true });
			for (let page = 1; page <= deck.pageCount; page++) {
				const thumb = await get(`/${deckId}/thumbs/${page}`);
				if (thumb.status === 404) {
					await thumb.body?.cancel();
					continue;
				}
				await writeFile(path.join(staging.thumbsDir, `${page}.png`), await this.#body(thumb));
			}
			await decks.save(lessonId, staging, deck);
		} catch (error) {
			await decks.discard(staging);
			throw error;
		}
		await redis.sadd(holdersKey(lessonId, deckId), nodeId);
		log.info({ lessonId, deckId, from, bytes: deck.bytes }, 'deck copied from another node');
	}

	async #body(res: Response): Promise<Buffer> {
		if (!res.ok) throw new Error(`a deck file answered ${res.status}`);
		if (Number(res.headers.get('content-length')) > this.#options.maxBytes) throw new Error('a deck file over the limit');
		const bytes = Buffer.from(await res.arrayBuffer());
		if (bytes.length > this.#options.maxBytes) throw new Error(`a deck file of ${bytes.length} bytes is over the limit`);
		return bytes;
	}
}
