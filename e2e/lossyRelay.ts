import dgram, { type RemoteInfo, type Socket } from 'node:dgram';

export interface Impairment {
	/** Probability (0..1) that a packet is dropped, per direction. */
	lossDown: number;
	lossUp: number;
	/** One-way delay added in each direction (ms). */
	delayMs: number;
	/** Downlink cap (kbit/s); packets beyond a 400 ms queue are dropped, as tbf does. 0 = none. */
	downKbps: number;
}

export const CLEAN: Impairment = { lossDown: 0, lossUp: 0, delayMs: 0, downKbps: 0 };

/**
 * A userspace UDP relay on 127.0.0.1 standing in for a rural school's link (this kernel has no
 * netem): loss, delay and a downlink rate cap. Each browser socket gets its own upstream socket so
 * the SFU sees one distinct address per ICE session.
 */
export class LossyRelay {
	readonly #target: { host: string; port: number };
	readonly #front: Socket = dgram.createSocket('udp4');
	readonly #upstream = new Map<string, Socket>();
	#impairment: Impairment = CLEAN;
	#tokens = 0;
	#lastRefill = Date.now();
	#queuedBytes = 0;
	readonly counters = { up: 0, down: 0, droppedUp: 0, droppedDown: 0 };

	constructor(target: { host: string; port: number }) {
		this.#target = target;
	}

	async start(): Promise<number> {
		this.#front.on('message', (msg, from) => this.#fromBrowser(msg, from));
		await new Promise<void>((resolve) => this.#front.bind(0, '127.0.0.1', () => resolve()));
		return this.#front.address().port;
	}

	set(impairment: Impairment): void {
		this.#impairment = impairment;
	}

	close(): void {
		this.#front.close();
		for (const socket of this.#upstream.values()) socket.close();
	}

	#fromBrowser(msg: Buffer, from: RemoteInfo): void {
		const key = `${from.address}:${from.port}`;
		let upstream = this.#upstream.get(key);
		if (!upstream) {
			upstream = dgram.createSocket('udp4');
			upstream.on('message', (reply) => this.#toBrowser(reply, from));
			upstream.bind(0, '127.0.0.1');
			this.#upstream.set(key, upstream);
		}
		const socket = upstream;
		this.counters.up++;
		if (Math.random() < this.#impairment.lossUp) {
			this.counters.droppedUp++;
			return;
		}
		this.#later(() => socket.send(msg, this.#target.port, this.#target.host));
	}

	#toBrowser(msg: Buffer, to: RemoteInfo): void {
		this.counters.down++;
		const { lossDown, downKbps } = this.#impairment;
		if (Math.random() < lossDown) {
			this.counters.droppedDown++;
			return;
		}
		let queueDelay = 0;
		if (downKbps > 0) {
			const now = Date.now();
			const bytesPerMs = (downKbps * 1000) / 8 / 1000;
			this.#tokens = Math.min(bytesPerMs * 50, this.#tokens + (now - this.#lastRefill) * bytesPerMs);
			this.#lastRefill = now;
			// Bytes already waiting drain at the cap; beyond 400 ms of queue the packet is dropped.
			queueDelay = Math.max(0, (this.#queuedBytes + msg.length - this.#tokens) / bytesPerMs);
			if (queueDelay > 400) {
				this.counters.droppedDown++;
				return;
			}
			this.#queuedBytes += msg.length;
			setTimeout(() => {
				this.#queuedBytes -= msg.length;
			}, queueDelay);
		}
		this.#later(() => this.#front.send(msg, to.port, to.address), queueDelay);
	}

	#later(send: () => void, extraMs = 0): void {
		const delay = this.#impairment.delayMs + extraMs;
		if (delay <= 0) send();
		else setTimeout(send, delay);
	}
}

/**
 * Rewrites the SFU's UDP host candidate in remote SDPs to the relay's port and drops its TCP
 * candidates, so this page's media takes the relay. Runs in the page before any app code.
 */
export function routeThroughRelay(args: { rtcPort: number; relayPort: number }): void {
	const original = RTCPeerConnection.prototype.setRemoteDescription as (this: RTCPeerConnection, d: RTCSessionDescriptionInit) => Promise<void>;
	RTCPeerConnection.prototype.setRemoteDescription = function (this: RTCPeerConnection, description?: RTCSessionDescriptionInit) {
		if (description?.sdp) {
			const sdp = description.sdp
				.split('\r\n')
				.filter((line) => !(line.startsWith('a=candidate:') && / tcp /i.test(line)))
				.map((line) => (line.startsWith('a=candidate:') ? line.replace(` ${args.rtcPort} typ host`, ` ${args.relayPort} typ host`) : line))
				.join('\r\n');
			return original.call(this, { type: description.type, sdp });
		}
		return original.call(this, description as RTCSessionDescriptionInit);
	} as typeof RTCPeerConnection.prototype.setRemoteDescription;
}
