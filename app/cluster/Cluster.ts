import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { Redis } from 'ioredis';
import { moduleLogger } from '../../core/logger.ts';
import { LessonOrigins } from '../../signalling/cluster/LessonOrigins.ts';
import { NodeRegistry, type NodeInfo } from '../../signalling/cluster/NodeRegistry.ts';
import { keepSharedSecret } from '../../signalling/cluster/sharedSecret.ts';
import { OriginForwarder } from './OriginForwarder.ts';
import type { LessonOfJoinCode } from './lessonOfRequest.ts';
import { SharedLibrary } from './SharedLibrary.ts';

const log = moduleLogger('cluster');

/** Which node holds the analytics store now, renewed on its heartbeat. */
const ANALYTICS_NODE_KEY = 'cb:analytics:node';

export interface ClusterOptions {
	nodeId: string;
	/** The deployment's shared signing secret: forwarded requests carry a stamp made with it. */
	secret: Uint8Array;
	/** Also kept the same on every node on each heartbeat (the admin-link generation, the secret). */
	onBeat: () => Promise<void>;
	/** Whether this node holds the analytics store now (the Redis-leased writer). */
	analyticsWriter: () => boolean;
	/** How the other nodes reach this one (plain HTTP inside the deployment). */
	nodeUrl: string;
	load: () => Promise<NodeInfo['load']>;
	/** Whether this node has the lesson's live session. */
	serving: (lessonId: string) => boolean;
	/** The lessons this node has live sessions of. */
	lessons: () => Iterable<string>;
	/** Another node took a lesson this node served: drop its sockets here, so they reconnect there. */
	handOver: (lessonId: string) => void;
	/** Whether this node holds a recorded lesson's package (else its routes go to a node that does). */
	holdsRecording: (lessonId: string) => boolean;
	/** The lesson a classroom join code opens now. */
	lessonOfJoinCode: LessonOfJoinCode;
	/** Reverse proxies in front of the node (TRUST_PROXY). */
	trustProxy: number;
}

interface Started {
	registry: NodeRegistry;
	origins: LessonOrigins;
	forwarder: OriginForwarder;
	library: SharedLibrary;
}

/**
 * This node's part in a deployment of identical nodes sharing one Redis: it says it is alive with
 * its load, holds the lessons it is the origin of, and forwards the rest to their origins.
 * Opened first (the shared secret and catalog need its Redis), started once the node listens.
 */
export class Cluster {
	readonly redis: Redis;
	#started: Started | null = null;

	private constructor(redis: Redis) {
		this.redis = redis;
	}

	static open(redisUrl: string): Cluster {
		const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
		redis.on('error', (error: Error) => log.warn({ err: error.message }, 'cluster redis error'));
		return new Cluster(redis);
	}

	get registry(): NodeRegistry | null {
		return this.#started?.registry ?? null;
	}

	async start(options: ClusterOptions): Promise<void> {
		const registry = new NodeRegistry(this.redis, {
			id: options.nodeId,
			url: options.nodeUrl,
			load: options.load,
			onBeat: async () => {
				await keepSharedSecret(this.redis, options.secret);
				if (options.analyticsWriter()) await this.redis.set(ANALYTICS_NODE_KEY, options.nodeId, 'PX', registry.ttlMs);
				await options.onBeat();
			}
		});
		const origins = new LessonOrigins(this.redis, registry, { serving: options.serving, lessons: options.lessons, lost: options.handOver });
		await registry.start();
		origins.start();
		const analyticsNode = async () => {
			if (options.analyticsWriter()) return null;
			const id = await this.redis.get(ANALYTICS_NODE_KEY);
			return id && id !== options.nodeId ? registry.node(id) : null;
		};
		const recordingNode = async (lessonId: string): Promise<NodeInfo | null> => (options.holdsRecording(lessonId) ? null : library.holder(lessonId));
		const forwarder = new OriginForwarder({
			origins,
			selfId: options.nodeId,
			secret: options.secret,
			analyticsNode,
			recordingNode,
			lessonOfJoinCode: options.lessonOfJoinCode,
			trustProxy: options.trustProxy
		});
		const library = new SharedLibrary({ nodeId: options.nodeId, redis: this.redis, registry, peerHeaders: forwarder.stampHeaders });
		this.#started = { registry, origins, forwarder, library };
	}

	/** The recorded lessons of every node (null before start). */
	get library(): SharedLibrary | null {
		return this.#started?.library ?? null;
	}

	/** Whether a request comes from another node of the deployment. */
	fromPeer(req: IncomingMessage): boolean {
		return this.#started?.forwarder.fromPeer(req) ?? false;
	}

	/** The node that forwarded a request here (the edge a participant reached); null when none did. */
	forwardingNode(req: IncomingMessage): string | null {
		const nodeId = this.#started?.forwarder.forwardingNode(req) ?? null;
		return nodeId === this.#started?.registry.id ? null : nodeId;
	}

	/** Headers that have another node serve a request of this node's itself (null before start). */
	get peerHeaders(): Record<string, string> | null {
		return this.#started?.forwarder.stampHeaders ?? null;
	}

	/** Forwards the request when its lesson lives on another node; false: serve it here. */
	async forwardRequest(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
		const forwarder = this.#started?.forwarder;
		const node = forwarder ? await forwarder.target(req) : null;
		if (!forwarder || !node) return false;
		forwarder.web(req, res, node);
		return true;
	}

	/**
	 * Puts itself in front of the server's upgrade listeners (socket.io's, the board's): an upgrade
	 * for a lesson on another node is forwarded there; any other goes to them as before.
	 */
	interceptUpgrades(server: HttpServer): void {
		const listeners = server.listeners('upgrade') as ((req: IncomingMessage, socket: Duplex, head: Buffer) => void)[];
		server.removeAllListeners('upgrade');
		server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
			const swallow = () => undefined;
			socket.on('error', swallow);
			const forwarder = this.#started?.forwarder;
			(forwarder ? forwarder.target(req) : Promise.resolve(null)).then(
				(node) => {
					socket.off('error', swallow);
					if (forwarder && node) forwarder.ws(req, socket, head, node);
					else for (const listener of listeners) listener.call(server, req, socket, head);
				},
				() => socket.destroy()
			);
		});
	}

	/** Gives up this node's lessons at once (a clean stop), so the next node asked takes them without waiting. */
	async close(): Promise<void> {
		const started = this.#started;
		this.#started = null;
		if (started) {
			started.forwarder.close();
			await started.origins.stop();
			await started.registry.stop();
		}
	}

	/** Closes the connection, once every part that reads through it (sign-outs, the catalog, decks) has closed. */
	disconnect(): void {
		this.redis.disconnect();
	}
}
