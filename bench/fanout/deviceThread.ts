/**
 * The main thread's end of the devices thread (devices.ts): each device is a RemoteDevice with the
 * few calls the product mode makes (join, a request, wait for an offer).
 */

import { Worker as ThreadWorker } from 'node:worker_threads';
import type { ConsumerOffer, JoinResult, RequestName, RequestPayload, Responses } from '../../protocol/index.ts';
import type { DeviceCall, DeviceReply } from './deviceProtocol.ts';

export class DeviceThread {
	readonly #thread = new ThreadWorker(new URL('./devices.ts', import.meta.url));
	readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
	#nextId = 1;

	constructor() {
		this.#thread.on('message', (reply: DeviceReply) => {
			const waiter = this.#pending.get(reply.id);
			this.#pending.delete(reply.id);
			if (reply.ok) waiter?.resolve(reply.value);
			else waiter?.reject(new Error(reply.message));
		});
		this.#thread.on('error', (error) => {
			for (const waiter of this.#pending.values()) waiter.reject(error);
			this.#pending.clear();
		});
	}

	call(request: DeviceCall): Promise<unknown> {
		const id = this.#nextId++;
		return new Promise((resolve, reject) => {
			this.#pending.set(id, { resolve, reject });
			this.#thread.postMessage({ ...request, id });
		});
	}

	async open(key: string, url: string, token: string): Promise<RemoteDevice> {
		await this.call({ type: 'open', key, url, token });
		return new RemoteDevice(this, key);
	}

	/** CPU time (ms) of the devices thread so far; null off Linux. */
	async cpuMs(): Promise<number | null> {
		return (await this.call({ type: 'cpu' })) as number | null;
	}

	async close(): Promise<void> {
		await this.call({ type: 'close' }).catch(() => undefined);
		await this.#thread.terminate();
	}
}

export class RemoteDevice {
	readonly #thread: DeviceThread;
	readonly #key: string;

	constructor(thread: DeviceThread, key: string) {
		this.#thread = thread;
		this.#key = key;
	}

	async joinLesson(): Promise<JoinResult> {
		return (await this.#thread.call({ type: 'join', key: this.#key })) as JoinResult;
	}

	async ok<N extends RequestName>(name: N, payload: RequestPayload<N>): Promise<Responses[N]> {
		return (await this.#thread.call({ type: 'ok', key: this.#key, name, payload })) as Responses[N];
	}

	async offerFor(producerId: string, timeoutMs: number): Promise<ConsumerOffer> {
		return (await this.#thread.call({ type: 'offer', key: this.#key, producerId, timeoutMs })) as ConsumerOffer;
	}
}
