import type { Router, RouterRtpCodecCapability, WebRtcServer } from 'mediasoup/types';
import { moduleLogger } from '../core/logger.ts';
import { SfuError } from './errors.ts';
import type { WorkerSlot } from './WorkerPool.ts';

const log = moduleLogger('sfu:lesson-router');

/** Consumers a lesson router holds before new participants' transports go to a router on another worker. */
export const DEFAULT_ROUTER_MAX_CONSUMERS = 400;

/** Where a lesson may spread: other workers of the node, and when to spread. */
export interface LessonSpread {
	/** The live worker with the fewest routers among those not in `exclude` (worker indexes); none if all are. */
	pickWorker(exclude: ReadonlySet<number>): WorkerSlot | undefined;
	/** Consumers per router before the next router is opened. */
	maxConsumers: number;
	mediaCodecs: RouterRtpCodecCapability[];
	/** A router the lesson spread to died with its worker (its participants' transports are gone). */
	onLost?: () => void;
}

/** One router of the lesson, on one worker, with the consumers it holds now. */
interface Placed {
	router: Router;
	slot: WorkerSlot;
	webRtcServer: WebRtcServer;
	consumers: number;
	/** Producers of the origin already piped here (keepId: the same id on both routers). */
	piped: Map<string, Promise<void>>;
}

/**
 * Where one lesson's media is routed. Producers live on the origin router. When the origin holds
 * `maxConsumers` consumers, new participants' transports go to a router on the least-loaded other
 * worker, and each producer a consumer there asks for is piped to it (pipeToRouter) once; pauses,
 * layers and closes follow the pipe, so nothing above LessonMedia changes.
 */
export class LessonRouter {
	/** The router the lesson's producers are made on. */
	readonly origin: Router;
	readonly #placed: Placed[];
	readonly #spread: LessonSpread | undefined;
	#opening: Promise<Placed | undefined> | undefined;
	#closed = false;

	constructor(origin: Router, webRtcServer: WebRtcServer, originSlot?: WorkerSlot, spread?: LessonSpread) {
		this.origin = origin;
		this.#spread = spread;
		this.#placed = [];
		this.#track({
			router: origin,
			slot: originSlot ?? ({ index: -1, routers: 0 } as WorkerSlot),
			webRtcServer,
			consumers: 0,
			piped: new Map()
		});
	}

	/** Routers the lesson uses now, origin first (for stats and tests). */
	get routers(): { router: Router; workerIndex: number; consumers: number }[] {
		return this.#placed.map((p) => ({ router: p.router, workerIndex: p.slot.index, consumers: p.consumers }));
	}

	/** The router (and its worker's WebRTC server) a new participant transport goes on. */
	async placeTransport(): Promise<{ router: Router; webRtcServer: WebRtcServer }> {
		const live = this.#placed.filter((p) => !p.router.closed);
		const max = this.#spread?.maxConsumers ?? Infinity;
		let best = live.reduce<Placed | undefined>((a, p) => (!a || p.consumers < a.consumers ? p : a), undefined);
		// The origin is preferred while it has room: no pipe needed there.
		const origin = live.find((p) => p.router === this.origin);
		if (origin && origin.consumers < max) best = origin;
		else if (!best || best.consumers >= max) best = (await this.#open()) ?? best;
		if (!best) throw new SfuError('unavailable', 'the lesson has no router');
		return { router: best.router, webRtcServer: best.webRtcServer };
	}

	/** Makes a producer of the origin consumable on `router` (pipes it there the first time). */
	async reach(producerId: string, router: Router): Promise<void> {
		if (router === this.origin) return;
		const placed = this.#placed.find((p) => p.router === router);
		if (!placed || router.closed) throw new SfuError('unavailable', `router ${router.id} is not the lesson's`);
		let piping = placed.piped.get(producerId);
		if (!piping) {
			piping = this.origin.pipeToRouter({ producerId, router, keepId: true }).then(
				({ pipeProducer }) => {
					pipeProducer?.observer.once('close', () => placed.piped.delete(producerId));
				},
				(error: Error) => {
					placed.piped.delete(producerId);
					throw new SfuError('unavailable', `cannot pipe producer ${producerId}: ${error.message}`);
				}
			);
			placed.piped.set(producerId, piping);
		}
		await piping;
	}

	close(): void {
		this.#closed = true;
		for (const p of this.#placed) {
			if (p.router !== this.origin && !p.router.closed) {
				p.router.close();
				p.slot.routers = Math.max(0, p.slot.routers - 1);
			}
		}
		this.origin.close();
	}

	#open(): Promise<Placed | undefined> {
		if (!this.#opening) {
			this.#opening = this.#create().finally(() => (this.#opening = undefined));
		}
		return this.#opening;
	}

	async #create(): Promise<Placed | undefined> {
		const spread = this.#spread;
		if (!spread || this.#closed) return undefined;
		const used = new Set(this.#placed.filter((p) => !p.router.closed).map((p) => p.slot.index));
		const slot = spread.pickWorker(used);
		if (!slot) return undefined;
		const router = await slot.worker.createRouter({ mediaCodecs: spread.mediaCodecs, appData: { ...this.origin.appData, piped: true } });
		if (this.#closed) {
			router.close();
			return undefined;
		}
		slot.routers++;
		const placed: Placed = { router, slot, webRtcServer: slot.webRtcServer, consumers: 0, piped: new Map() };
		this.#track(placed);
		router.on('workerclose', () => {
			if (!this.#closed) spread.onLost?.();
		});
		router.observer.once('close', () => {
			const i = this.#placed.indexOf(placed);
			if (i >= 0) this.#placed.splice(i, 1);
			if (!this.#closed && !slot.worker.died) slot.routers = Math.max(0, slot.routers - 1);
		});
		log.info({ lessonId: this.origin.appData.lessonId, worker: slot.index, routerId: router.id }, 'lesson spread to another worker');
		return placed;
	}

	/** Counts the consumers a router holds, from its transports' observers. */
	#track(placed: Placed): void {
		this.#placed.push(placed);
		placed.router.observer.on('newtransport', (transport) => {
			transport.observer.on('newconsumer', (consumer) => {
				if (consumer.appData.recorder) return;
				placed.consumers++;
				consumer.observer.once('close', () => placed.consumers--);
			});
		});
	}
}
