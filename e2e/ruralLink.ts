import dgram, { type RemoteInfo, type Socket } from 'node:dgram';

/** A school's link as the table gives it. Rates in kbit/s (0: no cap), loss per direction. */
export interface LinkProfile {
	name: string;
	downKbps: number;
	upKbps: number;
	loss: number;
	rttMs: number;
	jitterMs: number;
	/** Nothing crosses (an outage). */
	cut?: boolean;
}

export const PROFILES = {
	clean: { name: 'clean', downKbps: 0, upKbps: 0, loss: 0, rttMs: 0, jitterMs: 0 },
	good: { name: 'good', downKbps: 20_000, upKbps: 5_000, loss: 0, rttMs: 20, jitterMs: 0 },
	rural: { name: 'rural', downKbps: 1_000, upKbps: 256, loss: 0.05, rttMs: 300, jitterMs: 20 },
	poor: { name: 'poor', downKbps: 300, upKbps: 128, loss: 0.1, rttMs: 600, jitterMs: 50 },
	outage: { name: 'outage', downKbps: 0, upKbps: 0, loss: 1, rttMs: 0, jitterMs: 0, cut: true }
} as const satisfies Record<string, LinkProfile>;

/** Packets that would wait longer than this in the rate queue are dropped (as tbf's `latency`). */
const QUEUE_MS = 400;

/** One direction of the link: a FIFO rate queue, random loss, delay with jitter (never reordering). */
class Direction {
	#nextFree = 0;
	#lastDelivery = 0;
	/** `dropped`: every packet not passed on; `overflow`: those of them the full rate queue refused. */
	readonly counters = { packets: 0, bytes: 0, dropped: 0, overflow: 0 };

	pass(profile: LinkProfile, kbps: number, size: number, send: () => void): void {
		this.counters.packets++;
		if (profile.cut || Math.random() < profile.loss) {
			this.counters.dropped++;
			return;
		}
		const now = performance.now();
		let departure = now;
		if (kbps > 0) {
			departure = Math.max(now, this.#nextFree) + (size * 8) / kbps;
			if (departure - now > QUEUE_MS) {
				this.counters.dropped++;
				this.counters.overflow++;
				return;
			}
			this.#nextFree = departure;
		}
		this.counters.bytes += size;
		const jitter = profile.jitterMs > 0 ? (Math.random() * 2 - 1) * profile.jitterMs : 0;
		const delivery = Math.max(this.#lastDelivery, departure + profile.rttMs / 2 + jitter);
		this.#lastDelivery = delivery;
		const wait = delivery - now;
		if (wait <= 0.5) send();
		else setTimeout(send, wait);
	}
}

/**
 * A userspace UDP relay on 127.0.0.1 standing in for one school's link (this kernel has no netem):
 * rate caps both ways, random loss, delay and jitter, and a cut. The room's page reaches the SFU's
 * WebRtcServer port through it (routeThroughRelay in lossyRelay.ts); its HTTP, socket.io and board
 * WebSocket cross RuralTcpLink (ruralTcpLink.ts) with the same profile.
 */
export class RuralLink {
	readonly #target: { host: string; port: number };
	readonly #front: Socket = dgram.createSocket('udp4');
	readonly #upstream = new Map<string, Socket>();
	readonly down = new Direction();
	readonly up = new Direction();
	#profile: LinkProfile = PROFILES.clean;

	constructor(target: { host: string; port: number }) {
		this.#target = target;
	}

	get profile(): LinkProfile {
		return this.#profile;
	}

	async start(): Promise<number> {
		this.#front.on('message', (msg, from) => this.#fromBrowser(msg, from));
		await new Promise<void>((resolve) => this.#front.bind(0, '127.0.0.1', () => resolve()));
		return this.#front.address().port;
	}

	set(profile: LinkProfile): void {
		this.#profile = profile;
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
			upstream.on('message', (reply) => this.down.pass(this.#profile, this.#profile.downKbps, reply.length, () => this.#send(this.#front, reply, from.port, from.address)));
			upstream.bind(0, '127.0.0.1');
			this.#upstream.set(key, upstream);
		}
		const socket = upstream;
		this.up.pass(this.#profile, this.#profile.upKbps, msg.length, () => this.#send(socket, msg, this.#target.port, this.#target.host));
	}

	#send(socket: Socket, msg: Buffer, port: number, host: string): void {
		try {
			socket.send(msg, port, host);
		} catch {
			// Closed at the end of the test.
		}
	}
}
