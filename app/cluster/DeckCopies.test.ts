import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../../core/testing/redisServer.ts';
import { DECKS_API, type DeckInfo } from '../../protocol/index.ts';
import { TokenService } from '../../signalling/auth/TokenService.ts';
import { NodeRegistry } from '../../signalling/cluster/NodeRegistry.ts';
import { DeckHttp } from '../../signalling/slides/DeckHttp.ts';
import { DeckStore } from '../../signalling/slides/DeckStore.ts';
import { makeDeck } from '../../signalling/testing/pdfFixtures.ts';
import { waitFor } from '../testing/harness.ts';
import { DeckCopies } from './DeckCopies.ts';

const tokens = new TokenService(randomBytes(32));
const LESSON = 'les_decks_copied';

/** One node as far as decks go: its own folder, the deck routes, its registration and its DeckCopies. */
interface DeckNode {
	id: string;
	decks: DeckStore;
	copies: DeckCopies;
	registry: NodeRegistry;
	stop(): Promise<void>;
}

describe('DeckCopies: every node holds every deck', () => {
	let redis: RedisServerHandle;
	const clients: Redis[] = [];
	const nodes: DeckNode[] = [];

	const startNode = async (id: string): Promise<DeckNode> => {
		const client = new Redis(redis.url);
		clients.push(client);
		const decks = await DeckStore.open(await mkdtemp(path.join(tmpdir(), 'cb-deck-copies-')));
		let copies: DeckCopies | null = null;
		const http = new DeckHttp({
			decks,
			tokens,
			maxBytes: 20 * 1024 * 1024,
			parseTimeoutMs: 30_000,
			onUploaded: (lessonId, deck) => copies?.announce(lessonId, deck.id),
			beforeRead: async (lessonId) => copies?.catchUp(lessonId)
		});
		const server: Server = createServer((req, res) => void http.handle(req, res));
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		const registry = new NodeRegistry(client, { id, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, load: () => ({ lessons: 0, consumers: 0 }) });
		await registry.start();
		copies = await DeckCopies.start({ nodeId: id, redis: client, registry, decks, tokens, peerHeaders: {}, maxBytes: 20 * 1024 * 1024 });
		const node: DeckNode = {
			id,
			decks,
			copies,
			registry,
			async stop() {
				await copies?.close();
				await registry.stop();
				server.closeAllConnections();
				await new Promise((resolve) => server.close(resolve));
			}
		};
		nodes.push(node);
		return node;
	};
	const upload = async (node: DeckNode, pages: string[]): Promise<DeckInfo> => {
		const token = await tokens.signLesson({ lessonId: LESSON, role: 'teacher', classroomId: null, participantId: 'teacher', expiresAt: Date.now() + 60_000 });
		const res = await fetch(`${node.registry.url}${DECKS_API}?name=deck.pdf`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: await makeDeck(pages) });
		expect(res.status).toBe(201);
		return (await res.json()) as DeckInfo;
	};

	beforeAll(async () => {
		redis = await startRedisServer();
	});

	afterAll(async () => {
		for (const node of nodes) await node.stop();
		for (const client of clients) client.disconnect();
		await redis?.stop();
	});

	it('a deck uploaded to one node is fetched by the others, file and thumbnails alike', async () => {
		const [a, b] = [await startNode('node-a'), await startNode('node-b')];
		const deck = await upload(a, ['Page 1', 'Page 2', 'Page 3']);
		const copy = await waitFor(async () => b.decks.get(LESSON, deck.id), 10_000, 'the copy on B');
		expect(copy).toEqual(deck);
		const original = await a.decks.list(LESSON);
		expect(await b.decks.list(LESSON)).toEqual(original);
	});

	it('a node that missed the announcement catches up when the lesson\'s decks are read on it; junk on the channel changes nothing', async () => {
		const [a] = nodes;
		const deck = await upload(a!, ['Only page']);
		const late = await startNode('node-late');
		expect(await late.decks.get(LESSON, deck.id), 'not announced to it').toBeUndefined();
		const junk = new Redis(redis.url);
		clients.push(junk);
		for (const message of ['', 'nope', '{"lessonId":"../x","deckId":"d","nodeId":"node-a"}', JSON.stringify({ lessonId: LESSON, deckId: 'nothere', nodeId: 'node-gone' })]) {
			await junk.publish('cb:decks:added', message);
		}
		await late.copies.catchUp(LESSON);
		expect((await late.decks.list(LESSON)).map((d) => d.id).sort()).toEqual((await a!.decks.list(LESSON)).map((d) => d.id).sort());
	});

	it('with no live holder the read goes on without the deck (and says why in the log)', async () => {
		const b = nodes[1]!;
		const deck = await upload(b, ['Made on B']);
		await waitFor(async () => nodes[0]!.decks.get(LESSON, deck.id), 10_000, 'the copy on A');
		// Every holder goes; a node started now has no live one to fetch from.
		for (const node of nodes) await node.registry.stop();
		const orphan = await startNode('node-orphan');
		await orphan.copies.catchUp(LESSON);
		expect(await orphan.decks.get(LESSON, deck.id)).toBeUndefined();
	});
});
