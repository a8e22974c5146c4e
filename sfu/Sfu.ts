import { moduleLogger } from '../core/logger.ts';
import { ROUTER_MEDIA_CODECS } from './codecs.ts';
import { LessonMedia, type LessonEdges } from './LessonMedia.ts';
import { EdgeHost } from './edge/EdgeHost.ts';
import type { LessonMediaFigures } from './mediaTypes.ts';
import { DEFAULT_ROUTER_MAX_CONSUMERS } from './LessonRouter.ts';
import { WorkerPool, type WorkerPoolOptions } from './WorkerPool.ts';

const log = moduleLogger('sfu');

export interface SfuCounts {
	workers: number;
	routers: number;
	transports: number;
	producers: number;
	consumers: number;
}

/** The SFU's typed API: a router per lesson on the least-loaded worker, recreated on demand. */
export class Sfu {
	readonly pool: WorkerPool;
	readonly #lessons = new Map<string, Promise<LessonMedia>>();
	readonly #routerMaxConsumers: number;
	/** The routers this node holds for lessons of other nodes (a cluster's edge). */
	readonly edgeHost: EdgeHost;
	#edges: LessonEdges | undefined;

	constructor(options: WorkerPoolOptions) {
		this.pool = new WorkerPool(options);
		this.#routerMaxConsumers = options.routerMaxConsumers ?? DEFAULT_ROUTER_MAX_CONSUMERS;
		this.edgeHost = new EdgeHost(this.pool, { mediaCodecs: ROUTER_MEDIA_CODECS, listenIp: options.listenIp, announcedAddress: options.announcedAddress });
	}

	/** In a cluster: lessons made from now on may hold participants' transports on other nodes. */
	useEdges(connect: LessonEdges['connect']): void {
		const { listenIp, announcedAddress } = this.pool.options;
		this.#edges = { connect, listen: { listenIp, announcedAddress } };
	}

	async start(): Promise<void> {
		await this.pool.start();
	}

	/** The lesson's media, creating its router on the least-loaded worker when there is none. */
	lessonMedia(lessonId: string): Promise<LessonMedia> {
		let pending = this.#lessons.get(lessonId);
		if (!pending) {
			const created = this.#create(lessonId);
			this.#lessons.set(lessonId, created);
			// A closed router (lesson closed, or its worker died) is forgotten, so the next call makes a new one.
			const forget = () => {
				if (this.#lessons.get(lessonId) === created) this.#lessons.delete(lessonId);
			};
			created.then((media) => media.once('closed', forget), forget);
			pending = created;
		}
		return pending;
	}

	/** The lesson's media only if it exists and is open. */
	async existingLessonMedia(lessonId: string): Promise<LessonMedia | undefined> {
		const media = await this.#lessons.get(lessonId)?.catch(() => undefined);
		return media && !media.closed ? media : undefined;
	}

	async closeLesson(lessonId: string): Promise<void> {
		const media = await this.existingLessonMedia(lessonId);
		this.#lessons.delete(lessonId);
		media?.close();
	}

	async counts(): Promise<SfuCounts> {
		const medias = (await Promise.all([...this.#lessons.values()].map((p) => p.catch(() => undefined)))).filter(
			(m): m is LessonMedia => !!m && !m.closed
		);
		return {
			workers: this.pool.slots.length,
			routers: medias.length,
			transports: medias.reduce((n, m) => n + m.transports.size, 0),
			producers: medias.reduce((n, m) => n + m.producers.size, 0),
			consumers: medias.reduce((n, m) => n + m.consumers.size, 0)
		};
	}

	/**
	 * Each open lesson's media figures for /metrics: consumers, bitrate into and out of the SFU, and
	 * the worst loss the SFU sees on what it receives (0–1).
	 */
	async lessonFigures(): Promise<LessonMediaFigures[]> {
		const medias = (await Promise.all([...this.#lessons.values()].map((p) => p.catch(() => undefined)))).filter(
			(m): m is LessonMedia => !!m && !m.closed
		);
		return Promise.all(medias.map((media) => media.figures()));
	}

	close(): void {
		this.edgeHost.close();
		this.pool.close();
		this.#lessons.clear();
	}

	async #create(lessonId: string): Promise<LessonMedia> {
		const slot = await this.pool.leastLoaded();
		const media = await LessonMedia.create(lessonId, slot, ROUTER_MEDIA_CODECS, {
			pickWorker: (exclude) => this.pool.leastLoadedExcept(exclude),
			maxConsumers: this.#routerMaxConsumers
		}, this.#edges);
		media.once('closed', (reason) => {
			if (reason === 'worker_died') log.warn({ lessonId, worker: slot.index }, 'lesson media lost with its worker');
		});
		return media;
	}
}
