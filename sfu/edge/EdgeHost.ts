import type { Consumer, PipeTransport, Producer, Router, RouterRtpCodecCapability, WebRtcTransport } from 'mediasoup/types';
import { moduleLogger } from '../../core/logger.ts';
import { SfuError } from '../errors.ts';
import type { WorkerPool, WorkerSlot } from '../WorkerPool.ts';
import type { ConsumerScoreState, EdgeEvent, EdgeMethod, EdgeParams, EdgeResult, PipeEnd } from './edgeTypes.ts';

const log = moduleLogger('sfu:edge-host');

/** A viewer's NACKs are told to the origin at most this often per consumer (the origin keeps only the last time). */
const NACK_EVENT_MS = 500;

export interface EdgeHostOptions {
	mediaCodecs: RouterRtpCodecCapability[];
	/** Where this node's pipe ends listen, and the address the other nodes reach them at. */
	listenIp: string;
	announcedAddress: string;
}

/** One lesson's router on this node, for one origin. */
interface EdgeLesson {
	lessonId: string;
	router: Router;
	slot: WorkerSlot;
	pipe: PipeTransport;
}

/**
 * The edge side of lessons whose origin is another node: for each, a router on this node's
 * least-loaded worker, piped to the origin's router, holding the WebRTC transports of the
 * participants who reached this node. One EdgeSession per origin link: when the link goes, so does
 * everything it opened.
 */
export class EdgeHost {
	readonly #pool: WorkerPool;
	readonly #options: EdgeHostOptions;
	readonly #sessions = new Set<EdgeSession>();

	constructor(pool: WorkerPool, options: EdgeHostOptions) {
		this.#pool = pool;
		this.#options = options;
	}

	/** Lesson routers held for other nodes now. */
	get lessons(): number {
		let n = 0;
		for (const session of this.#sessions) n += session.lessons;
		return n;
	}

	/** Consumers held for other nodes' lessons now (this node's load as much as its own lessons'). */
	get consumers(): number {
		let n = 0;
		for (const session of this.#sessions) n += session.consumers;
		return n;
	}

	session(send: (event: EdgeEvent) => void): EdgeSession {
		const session = new EdgeSession(this.#pool, this.#options, send, () => this.#sessions.delete(session));
		this.#sessions.add(session);
		return session;
	}

	close(): void {
		for (const session of [...this.#sessions]) session.close();
	}
}

type Handlers = { [M in EdgeMethod]: (params: EdgeParams<M>) => Promise<EdgeResult<M>> };

export class EdgeSession {
	readonly #pool: WorkerPool;
	readonly #options: EdgeHostOptions;
	readonly #send: (event: EdgeEvent) => void;
	readonly #onClose: () => void;
	readonly #lessons = new Map<string, EdgeLesson>();
	readonly #transports = new Map<string, { transport: WebRtcTransport; lesson: EdgeLesson }>();
	readonly #producers = new Map<string, { producer: Producer; pipeConsumer: Consumer }>();
	readonly #consumers = new Map<string, Consumer>();
	/** Producers of the origin's, piped in: `${lessonId}/${producerId}`. */
	readonly #piped = new Map<string, Producer>();
	#closed = false;

	constructor(pool: WorkerPool, options: EdgeHostOptions, send: (event: EdgeEvent) => void, onClose: () => void) {
		this.#pool = pool;
		this.#options = options;
		this.#send = (event) => {
			if (!this.#closed) send(event);
		};
		this.#onClose = onClose;
	}

	get lessons(): number {
		return this.#lessons.size;
	}

	get consumers(): number {
		return this.#consumers.size;
	}

	call<M extends EdgeMethod>(method: M, params: EdgeParams<M>): Promise<EdgeResult<M>> {
		if (this.#closed) return Promise.reject(new SfuError('unavailable', 'the edge session is closed'));
		return (this.#handlers[method] as (p: EdgeParams<M>) => Promise<EdgeResult<M>>)(params);
	}

	close(): void {
		if (this.#closed) return;
		this.#closed = true;
		for (const lesson of this.#lessons.values()) this.#closeLesson(lesson);
		this.#onClose();
	}

	readonly #handlers: Handlers = {
		'lesson.open': async ({ lessonId, origin }) => {
			const existing = this.#lessons.get(lessonId);
			if (existing) this.#closeLesson(existing);
			const slot = await this.#pool.leastLoaded();
			const router = await slot.worker.createRouter({ mediaCodecs: this.#options.mediaCodecs, appData: { lessonId, edge: true } });
			slot.routers++;
			const pipe = await router.createPipeTransport({
				listenInfo: { protocol: 'udp', ip: this.#options.listenIp, announcedAddress: this.#options.announcedAddress },
				enableSrtp: true,
				enableRtx: true
			});
			await pipe.connect({ ip: origin.ip, port: origin.port, srtpParameters: origin.srtpParameters });
			const lesson: EdgeLesson = { lessonId, router, slot, pipe };
			this.#lessons.set(lessonId, lesson);
			router.on('workerclose', () => {
				if (this.#lessons.get(lessonId) !== lesson) return;
				this.#lessons.delete(lessonId);
				log.warn({ lessonId }, 'an edge router died with its worker');
				this.#send({ type: 'lesson.closed', lessonId });
			});
			log.info({ lessonId, worker: slot.index, routerId: router.id }, 'edge router opened for a lesson of another node');
			return { edge: pipeEnd(pipe, this.#options.announcedAddress) };
		},
		'lesson.close': async ({ lessonId }) => {
			const lesson = this.#lessons.get(lessonId);
			if (lesson) this.#closeLesson(lesson);
			return null;
		},
		'transport.create': async ({ lessonId, appData }) => {
			const lesson = this.#lesson(lessonId);
			const transport = await lesson.router.createWebRtcTransport({
				webRtcServer: lesson.slot.webRtcServer,
				enableUdp: true,
				enableTcp: true,
				preferUdp: true,
				initialAvailableOutgoingBitrate: 1_000_000,
				appData
			});
			this.#transports.set(transport.id, { transport, lesson });
			transport.observer.once('close', () => {
				this.#transports.delete(transport.id);
				this.#send({ type: 'transport.closed', transportId: transport.id });
			});
			return { id: transport.id, iceParameters: transport.iceParameters, iceCandidates: transport.iceCandidates, dtlsParameters: transport.dtlsParameters };
		},
		'transport.connect': async ({ transportId, dtlsParameters }) => {
			await this.#transport(transportId).transport.connect({ dtlsParameters });
			return null;
		},
		'transport.restartIce': async ({ transportId }) => this.#transport(transportId).transport.restartIce(),
		'transport.stats': async ({ transportId }) => plain(await this.#transport(transportId).transport.getStats()),
		'transport.close': async ({ transportId }) => {
			this.#transports.get(transportId)?.transport.close();
			return null;
		},
		'producer.create': async ({ transportId, kind, rtpParameters, paused, appData }) => {
			const { transport, lesson } = this.#transport(transportId);
			const producer = await transport.produce({ kind, rtpParameters, paused, appData }).catch((error: Error) => {
				throw new SfuError('invalid', `cannot produce: ${error.message}`);
			});
			const pipeConsumer = await lesson.pipe.consume({ producerId: producer.id });
			this.#producers.set(producer.id, { producer, pipeConsumer });
			producer.on('score', (score) => this.#send({ type: 'producer.score', producerId: producer.id, score: score.map((s) => ({ score: s.score })) }));
			producer.observer.once('close', () => {
				this.#producers.delete(producer.id);
				pipeConsumer.close();
				this.#send({ type: 'producer.closed', producerId: producer.id });
			});
			return { id: producer.id, kind: producer.kind, paused: producer.paused, pipeRtpParameters: pipeConsumer.rtpParameters, score: producer.score.map((s) => ({ score: s.score })) };
		},
		'producer.pause': async ({ producerId, paused }) => {
			const { producer } = this.#producer(producerId);
			if (paused) await producer.pause();
			else await producer.resume();
			return null;
		},
		'producer.stats': async ({ producerId }) => plain(await this.#producer(producerId).producer.getStats()),
		'producer.close': async ({ producerId }) => {
			this.#producers.get(producerId)?.producer.close();
			return null;
		},
		'pipe.produce': async ({ lessonId, producerId, kind, rtpParameters, paused }) => {
			const lesson = this.#lesson(lessonId);
			// A participant of this edge published it: the edge router has it already.
			if (this.#producers.has(producerId) || this.#piped.has(`${lessonId}/${producerId}`)) return null;
			const producer = await lesson.pipe.produce({ id: producerId, kind, rtpParameters, paused });
			const key = `${lessonId}/${producerId}`;
			this.#piped.set(key, producer);
			producer.observer.once('close', () => this.#piped.delete(key));
			return null;
		},
		'pipe.pause': async ({ lessonId, producerId, paused }) => {
			const producer = this.#piped.get(`${lessonId}/${producerId}`);
			if (producer && paused) await producer.pause();
			else if (producer) await producer.resume();
			return null;
		},
		'pipe.close': async ({ lessonId, producerId }) => {
			this.#piped.get(`${lessonId}/${producerId}`)?.close();
			return null;
		},
		'consumer.create': async ({ transportId, producerId, rtpCapabilities, preferredLayers, appData }) => {
			const { transport } = this.#transport(transportId);
			const consumer = await transport.consume({ producerId, rtpCapabilities, paused: true, preferredLayers, appData }).catch((error: Error) => {
				throw new SfuError('invalid', `cannot consume: ${error.message}`);
			});
			this.#consumers.set(consumer.id, consumer);
			this.#follow(consumer);
			if (consumer.kind === 'video') await consumer.enableTraceEvent(['nack']).catch(() => undefined);
			return {
				id: consumer.id,
				kind: consumer.kind,
				type: consumer.type,
				rtpParameters: consumer.rtpParameters,
				paused: consumer.paused,
				producerPaused: consumer.producerPaused,
				score: scoreState(consumer.score),
				currentLayers: consumer.currentLayers ?? null
			};
		},
		'consumer.resume': async ({ consumerId }) => {
			await this.#consumer(consumerId).resume();
			return null;
		},
		'consumer.pause': async ({ consumerId }) => {
			await this.#consumer(consumerId).pause();
			return null;
		},
		'consumer.requestKeyFrame': async ({ consumerId }) => {
			await this.#consumer(consumerId).requestKeyFrame();
			return null;
		},
		'consumer.setPreferredLayers': async ({ consumerId, spatialLayer, temporalLayer }) => {
			await this.#consumer(consumerId).setPreferredLayers({ spatialLayer, temporalLayer });
			return null;
		},
		'consumer.stats': async ({ consumerId }) => plain(await this.#consumer(consumerId).getStats()),
		'consumer.close': async ({ consumerId }) => {
			this.#consumers.get(consumerId)?.close();
			return null;
		}
	};

	#follow(consumer: Consumer): void {
		const id = consumer.id;
		let lastNack = 0;
		consumer.observer.once('close', () => this.#consumers.delete(id));
		consumer.on('producerclose', () => this.#send({ type: 'consumer.closed', consumerId: id, reason: 'producer_closed' }));
		consumer.on('transportclose', () => this.#send({ type: 'consumer.closed', consumerId: id, reason: 'transport_closed' }));
		consumer.on('producerpause', () => this.#send({ type: 'consumer.producerPaused', consumerId: id, paused: true }));
		consumer.on('producerresume', () => this.#send({ type: 'consumer.producerPaused', consumerId: id, paused: false }));
		consumer.on('score', (score) => this.#send({ type: 'consumer.score', consumerId: id, score: scoreState(score) }));
		consumer.on('layerschange', (layers) => this.#send({ type: 'consumer.layers', consumerId: id, layers: layers ?? null }));
		consumer.on('trace', (trace) => {
			const now = Date.now();
			if (trace.type !== 'nack' || now - lastNack < NACK_EVENT_MS) return;
			lastNack = now;
			this.#send({ type: 'consumer.nack', consumerId: id });
		});
	}

	#closeLesson(lesson: EdgeLesson): void {
		this.#lessons.delete(lesson.lessonId);
		if (!lesson.router.closed) {
			lesson.router.close();
			lesson.slot.routers = Math.max(0, lesson.slot.routers - 1);
		}
		log.info({ lessonId: lesson.lessonId }, 'edge router closed');
	}

	#lesson(lessonId: string): EdgeLesson {
		const lesson = this.#lessons.get(lessonId);
		if (!lesson || lesson.router.closed) throw new SfuError('not_found', `no edge router for lesson ${lessonId}`);
		return lesson;
	}

	#transport(transportId: string): { transport: WebRtcTransport; lesson: EdgeLesson } {
		const found = this.#transports.get(transportId);
		if (!found || found.transport.closed) throw new SfuError('not_found', `no transport ${transportId}`);
		return found;
	}

	#producer(producerId: string): { producer: Producer; pipeConsumer: Consumer } {
		const found = this.#producers.get(producerId);
		if (!found) throw new SfuError('not_found', `no producer ${producerId}`);
		return found;
	}

	#consumer(consumerId: string): Consumer {
		const consumer = this.#consumers.get(consumerId);
		if (!consumer || consumer.closed) throw new SfuError('not_found', `no consumer ${consumerId}`);
		return consumer;
	}
}

export function pipeEnd(pipe: PipeTransport, announcedAddress: string): PipeEnd {
	const srtpParameters = pipe.srtpParameters;
	if (!srtpParameters) throw new SfuError('unavailable', 'a pipe between nodes was made without SRTP');
	return { ip: pipe.tuple.localAddress || announcedAddress, port: pipe.tuple.localPort, srtpParameters };
}

function scoreState(score: { score: number; producerScore: number; producerScores: number[] }): ConsumerScoreState {
	return { score: score.score, producerScore: score.producerScore, producerScores: [...score.producerScores] };
}

/** mediasoup's stats objects as plain JSON rows. */
function plain(stats: readonly object[]): Record<string, unknown>[] {
	return stats.map((s) => ({ ...s }) as Record<string, unknown>);
}
