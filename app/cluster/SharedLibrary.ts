import type { IncomingMessage } from 'node:http';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { moduleLogger } from '../../core/logger.ts';
import { LIBRARY_API, LibraryEntrySchema, RECORDINGS_API, type LibraryEntry } from '../../protocol/index.ts';
import type { NodeInfo, NodeRegistry } from '../../signalling/cluster/NodeRegistry.ts';

const log = moduleLogger('cluster:library');

const holdersKey = (lessonId: string) => `cb:recording:${lessonId}:holders`;
/** How long one node waits for another's part of the library. */
const PEER_TIMEOUT_MS = 5_000;
/** What a node asking another for its library passes on: the viewer's credentials. */
const PASSED_HEADERS = ['authorization', 'cookie'] as const;

/** Another node's listing: every row checked as the library's own (a package's origin passed on). */
const EntriesSchema = z.object({ entries: z.array(LibraryEntrySchema.passthrough()).max(100_000) });

export interface SharedLibraryOptions {
	nodeId: string;
	redis: Redis;
	registry: NodeRegistry;
	/** Headers that have another node serve a request itself (the signed forwarding stamp). */
	peerHeaders: Record<string, string>;
}

/**
 * The recorded lessons of every node as one library. A package stays on the node that recorded or
 * imported it; each node lists the packages it holds in Redis (`cb:recording:<id>:holders`), a
 * library listing asks every live node for its part (with the viewer's own credentials), and a
 * request for one package reaching a node without it is forwarded to a live holder. A node that is
 * down takes its packages out of the library until it is back.
 */
export class SharedLibrary {
	readonly #options: SharedLibraryOptions;

	constructor(options: SharedLibraryOptions) {
		this.#options = options;
	}

	/** Says in Redis which packages this node holds (at start: all of them). Never throws. */
	async hold(lessonIds: Iterable<string>, held = true): Promise<void> {
		const { redis, nodeId } = this.#options;
		const ids = [...lessonIds];
		if (ids.length === 0) return;
		try {
			const batch = redis.multi();
			for (const id of ids) {
				if (held) batch.sadd(holdersKey(id), nodeId);
				else batch.srem(holdersKey(id), nodeId);
			}
			await batch.exec();
		} catch (error) {
			log.warn({ packages: ids.length, err: (error as Error).message }, 'the packages this node holds are not listed in Redis');
		}
	}

	/** A live node other than this one that holds the package; null when none does. */
	async holder(lessonId: string): Promise<NodeInfo | null> {
		const { redis, registry, nodeId } = this.#options;
		for (const id of await redis.smembers(holdersKey(lessonId))) {
			if (id === nodeId) continue;
			const node = await registry.node(id);
			if (node) return node;
		}
		return null;
	}

	/** The other live nodes' library rows for the same query, with the viewer's own credentials. */
	async otherEntries(req: IncomingMessage, search: string): Promise<LibraryEntry[]> {
		const credentials: Record<string, string> = {};
		for (const name of PASSED_HEADERS) {
			const value = req.headers[name];
			if (typeof value === 'string') credentials[name] = value;
		}
		return this.otherEntriesAs(credentials, search);
	}

	/**
	 * The other live nodes' library rows for a query, read with these credentials. A node that does
	 * not answer in time, or refuses, adds nothing (logged): the library shows what it can.
	 */
	async otherEntriesAs(credentials: Record<string, string>, search: string): Promise<LibraryEntry[]> {
		const { registry, nodeId, peerHeaders } = this.#options;
		const headers: Record<string, string> = { ...peerHeaders, ...credentials };
		const others = (await registry.live()).filter((node) => node.id !== nodeId);
		const parts = await Promise.all(
			others.map(async (node) => {
				try {
					const res = await fetch(`${node.url}${LIBRARY_API}${search}`, { headers, signal: AbortSignal.timeout(PEER_TIMEOUT_MS) });
					if (!res.ok) throw new Error(`answered ${res.status}`);
					return EntriesSchema.parse(await res.json()).entries as LibraryEntry[];
				} catch (error) {
					log.warn({ node: node.id, err: (error as Error).message }, "another node's recorded lessons are left out of the library");
					return [];
				}
			})
		);
		return parts.flat();
	}

	/**
	 * One part of a recorded lesson held by another node (the replay's manifest, its timeline or its
	 * board snapshots), read through the library's routes with `token` (one that opens the lesson's
	 * recording). Null when no live node holds it.
	 */
	async recorded(lessonId: string, part: '' | '/timeline' | '/boards', token: string): Promise<unknown> {
		const holder = await this.holder(lessonId);
		if (!holder) return null;
		const res = await fetch(`${holder.url}${RECORDINGS_API}/${lessonId}${part}`, {
			headers: { ...this.#options.peerHeaders, authorization: `Bearer ${token}` },
			signal: AbortSignal.timeout(PEER_TIMEOUT_MS)
		});
		if (res.status === 404) return null;
		if (!res.ok) throw new Error(`node ${holder.id} answered ${res.status} for the recording of ${lessonId}`);
		return res.json();
	}
}
