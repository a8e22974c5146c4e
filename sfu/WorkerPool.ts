import { EventEmitter } from 'node:events';
import * as mediasoup from 'mediasoup';
import type { WebRtcServer, Worker, WorkerLogLevel } from 'mediasoup/types';
import { moduleLogger } from '../core/logger.ts';
import { SfuError } from './errors.ts';

const log = moduleLogger('sfu:worker-pool');

export interface WorkerPoolOptions {
	numWorkers: number;
	/** Worker i's WebRtcServer listens on rtcPort + i, UDP and TCP. */
	rtcPort: number;
	listenIp: string;
	announcedAddress: string;
	logLevel: WorkerLogLevel;
	/** Delay before a dead worker's slot is refilled (ms). */
	respawnDelayMs?: number;
	/** Consumers one lesson router holds before the lesson spreads to another worker (default 400). */
	routerMaxConsumers?: number;
}

/** One mediasoup worker and its WebRtcServer. `routers` counts what lives on it, for placement. */
export interface WorkerSlot {
	index: number;
	worker: Worker;
	webRtcServer: WebRtcServer;
	routers: number;
}

export interface WorkerPoolEvents {
	/** A worker died; every router on it is gone. The slot is refilled right after. */
	workerdied: [index: number, error: Error];
	workerready: [slot: WorkerSlot];
	/** No worker is alive and respawning failed RESPAWN_ATTEMPTS times in a row: media cannot come back. */
	exhausted: [attempts: number, error: Error];
}

/** Failed respawns in a row, with no worker alive, after which the pool gives up (about 4 s). */
export const RESPAWN_ATTEMPTS = 5;

/** A worker per core, each with one WebRtcServer; dead workers are replaced. */
export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
	readonly #options: WorkerPoolOptions;
	readonly #slots = new Map<number, WorkerSlot>();
	readonly #pending = new Map<number, Promise<WorkerSlot>>();
	#closed = false;

	constructor(options: WorkerPoolOptions) {
		super();
		if (!Number.isInteger(options.numWorkers) || options.numWorkers < 1) {
			throw new SfuError('invalid', `numWorkers must be a positive integer, got ${options.numWorkers}`);
		}
		this.#options = options;
	}

	get options(): Readonly<WorkerPoolOptions> {
		return this.#options;
	}

	async start(): Promise<void> {
		const starts = [];
		for (let i = 0; i < this.#options.numWorkers; i++) starts.push(this.#spawn(i));
		await Promise.all(starts);
		log.info({ workers: this.#slots.size, rtcPort: this.#options.rtcPort }, 'worker pool started');
	}

	get slots(): WorkerSlot[] {
		return [...this.#slots.values()];
	}

	/** The live worker with the fewest routers; waits for a respawn if none is up. */
	async leastLoaded(): Promise<WorkerSlot> {
		if (this.#closed) throw new SfuError('unavailable', 'worker pool is closed');
		let best: WorkerSlot | undefined;
		for (const slot of this.#slots.values()) {
			if (slot.worker.died || slot.worker.closed) continue;
			if (!best || slot.routers < best.routers) best = slot;
		}
		if (best) return best;
		const pending = [...this.#pending.values()];
		if (pending.length === 0) throw new SfuError('unavailable', 'no mediasoup worker is running');
		return Promise.race(pending);
	}

	/** The live worker with the fewest routers among those not in `exclude`; undefined when none is left. */
	leastLoadedExcept(exclude: ReadonlySet<number>): WorkerSlot | undefined {
		let best: WorkerSlot | undefined;
		for (const slot of this.#slots.values()) {
			if (slot.worker.died || slot.worker.closed || exclude.has(slot.index)) continue;
			if (!best || slot.routers < best.routers) best = slot;
		}
		return best;
	}

	close(): void {
		this.#closed = true;
		for (const slot of this.#slots.values()) slot.worker.close();
		this.#slots.clear();
	}

	#spawn(index: number): Promise<WorkerSlot> {
		const promise = this.#createSlot(index).finally(() => this.#pending.delete(index));
		this.#pending.set(index, promise);
		return promise;
	}

	async #createSlot(index: number): Promise<WorkerSlot> {
		const { rtcPort, listenIp, announcedAddress, logLevel } = this.#options;
		const worker = await mediasoup.createWorker({
			logLevel,
			logTags: ['ice', 'dtls', 'rtp', 'srtp', 'rtcp', 'simulcast', 'score'],
			appData: { index }
		});
		const port = rtcPort + index;
		let webRtcServer: WebRtcServer;
		try {
			webRtcServer = await worker.createWebRtcServer({
				listenInfos: [
					{ protocol: 'udp', ip: listenIp, announcedAddress, port },
					{ protocol: 'tcp', ip: listenIp, announcedAddress, port }
				]
			});
		} catch (error) {
			worker.close();
			throw new SfuError('unavailable', `cannot listen for WebRTC on ${listenIp}:${port}: ${(error as Error).message}`);
		}
		const slot: WorkerSlot = { index, worker, webRtcServer, routers: 0 };
		worker.on('died', (error) => this.#onDied(slot, error));
		this.#slots.set(index, slot);
		log.info({ index, pid: worker.pid, port }, 'worker ready');
		this.emit('workerready', slot);
		return slot;
	}

	#onDied(slot: WorkerSlot, error: Error): void {
		log.error({ index: slot.index, pid: slot.worker.pid, err: error.message }, 'mediasoup worker died');
		this.#slots.delete(slot.index);
		this.emit('workerdied', slot.index, error);
		if (this.#closed) return;
		const retry = (attempt: number): void => {
			if (this.#closed) return;
			this.#spawn(slot.index).catch((err: Error) => {
				log.error({ index: slot.index, attempt, err: err.message }, 'worker respawn failed; retrying');
				if (attempt + 1 >= RESPAWN_ATTEMPTS && this.#slots.size === 0) this.emit('exhausted', attempt + 1, err);
				setTimeout(() => retry(attempt + 1), Math.min(5000, 250 * 2 ** attempt));
			});
		};
		setTimeout(() => retry(0), this.#options.respawnDelayMs ?? 100);
	}
}
