import net from 'node:net';
import { PROFILES, type LinkProfile } from './ruralLink.ts';

/** A pipe stops reading once this many of its bytes wait in the link (TCP's window, roughly). */
const WINDOW_BYTES = 64 * 1024;
/** Linux's smallest retransmission timeout. */
const MIN_RTO_MS = 200;

/** What a lost segment adds on this link: one retransmission timeout (at least 200 ms, about an RTT) and the resent segment's way. */
export function retransmissionMs(profile: LinkProfile): number {
	return profile.loss > 0 ? Math.max(MIN_RTO_MS, profile.rttMs) + profile.rttMs / 2 : 0;
}

/**
 * One connection's bytes in one direction: delivered strictly in order, from one queue with one
 * timer (a timer per chunk let chunks due within the same millisecond overtake one another: a
 * stream's end before its last bytes, or its bytes out of order).
 */
class Flow {
	lastDelivery = 0;
	/** What the connection carries, by its first request's path: 'board', 'socket.io' or 'http'. */
	readonly conn: { kind: string };

	constructor(conn: { kind: string }) {
		this.conn = conn;
	}

	readonly #due: { at: number; send: () => void }[] = [];

	push(at: number, send: () => void): void {
		this.lastDelivery = at;
		this.#due.push({ at, send });
		if (this.#due.length === 1) this.#arm();
	}

	#arm(): void {
		const head = this.#due[0];
		if (!head) return;
		setTimeout(() => {
			const now = performance.now();
			while (this.#due.length > 0 && (this.#due[0]?.at ?? Infinity) <= now + 1) this.#due.shift()?.send();
			this.#arm();
		}, Math.max(0, head.at - performance.now()));
	}
}

/**
 * One direction of the link for TCP: every connection shares the rate (one bottleneck, paced in
 * the order bytes arrive), each gets half the RTT of delay plus jitter, and loss as TCP lives it:
 * nothing is dropped, but a lost segment holds up its own bytes and the rest of its connection's
 * until it is sent again (one retransmission timeout, at least 200 ms, about an RTT more); other
 * connections are not held, as separate TCP flows are not. While the link is cut everything waits
 * and crosses once it is back.
 */
class TcpDirection {
	#nextFree = 0;
	readonly #held: { size: number; send: () => void; live: () => boolean; flow: Flow }[] = [];
	readonly counters = { chunks: 0, bytes: 0, stalls: 0 };
	/** The same by what the connections carry. */
	readonly byKind: Record<string, { chunks: number; stalls: number }> = {};

	/** `live`: whether both ends of the chunk's connection are still open. */
	pass(profile: LinkProfile, kbps: number, size: number, send: () => void, live: () => boolean, flow: Flow): void {
		if (profile.cut || this.#held.length > 0) {
			this.#held.push({ size, send, live, flow });
			return;
		}
		this.counters.chunks++;
		this.counters.bytes += size;
		const kind = (this.byKind[flow.conn.kind] ??= { chunks: 0, stalls: 0 });
		if (size > 0) kind.chunks++;
		const now = performance.now();
		let departure = Math.max(now, this.#nextFree);
		if (kbps > 0) departure += (size * 8) / kbps;
		this.#nextFree = departure;
		let delay = profile.rttMs / 2 + (profile.jitterMs > 0 ? (Math.random() * 2 - 1) * profile.jitterMs : 0);
		if (size > 0 && Math.random() < profile.loss) {
			this.counters.stalls++;
			kind.stalls++;
			delay += retransmissionMs(profile);
		}
		flow.push(Math.max(flow.lastDelivery, departure + delay), send);
	}

	/**
	 * The link is back: what waited for connections still open crosses now, in order. What waited
	 * for a connection an end has given up on meanwhile (an attempt that timed out, a socket closed
	 * for a missed ping) takes no link time: its retransmissions end with the connection and do not
	 * hold up the new connections' bytes.
	 */
	release(profile: LinkProfile, kbps: number): { bytes: number; droppedBytes: number } {
		const held = this.#held.splice(0);
		let bytes = 0;
		let droppedBytes = 0;
		for (const item of held) {
			if (item.live()) {
				bytes += item.size;
				this.pass(profile, kbps, item.size, item.send, item.live, item.flow);
			} else {
				droppedBytes += item.size;
				item.send();
			}
		}
		return { bytes, droppedBytes };
	}
}

/**
 * A userspace TCP relay on 127.0.0.1 standing in for one school's link for HTTP, socket.io and the
 * board WebSocket (the media goes through RuralLink, the UDP one, with the same profile): the room
 * page's origin is this relay, so every byte it exchanges with the server crosses the link.
 */
export class RuralTcpLink {
	readonly #targetPort: number;
	readonly #server = net.createServer((client) => this.#accept(client));
	readonly #sockets = new Set<net.Socket>();
	readonly down = new TcpDirection();
	readonly up = new TcpDirection();
	#profile: LinkProfile = PROFILES.clean;

	constructor(targetPort: number) {
		this.#targetPort = targetPort;
	}

	/** Listens; returns the port. */
	async start(): Promise<number> {
		await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', () => resolve()));
		return (this.#server.address() as net.AddressInfo).port;
	}

	/** Sets the profile; when the link comes back, what had waited on it (bytes crossing now, bytes of dead connections). */
	set(profile: LinkProfile): { down: { bytes: number; droppedBytes: number }; up: { bytes: number; droppedBytes: number } } | null {
		this.#profile = profile;
		if (profile.cut) return null;
		return { down: this.down.release(profile, profile.downKbps), up: this.up.release(profile, profile.upKbps) };
	}

	close(): void {
		for (const socket of this.#sockets) socket.destroy();
		this.#server.close();
	}

	#accept(client: net.Socket): void {
		const upstream = net.connect(this.#targetPort, '127.0.0.1');
		client.setNoDelay(true);
		upstream.setNoDelay(true);
		this.#sockets.add(client).add(upstream);
		// A reset crosses at once (as a RST does); a close only after the bytes still on the link
		// (the server closes an idle keep-alive connection while the end of its last answer is
		// still crossing a slow link: that end must arrive, as it would over a real one).
		const reset = () => {
			for (const s of [client, upstream]) {
				s.destroy();
				this.#sockets.delete(s);
			}
		};
		client.on('error', reset);
		upstream.on('error', reset);
		const conn = { kind: 'http' };
		client.once('data', (chunk: Buffer) => {
			const path = /^[A-Z]+ (\/[^ ?]*)/.exec(chunk.subarray(0, 200).toString('latin1'))?.[1] ?? '';
			if (path.startsWith('/board')) conn.kind = 'board';
			else if (path.startsWith('/socket.io')) conn.kind = 'socket.io';
		});
		this.#pipe(client, upstream, this.up, () => this.#profile.upKbps, conn);
		this.#pipe(upstream, client, this.down, () => this.#profile.downKbps, conn);
	}

	#pipe(from: net.Socket, to: net.Socket, direction: TcpDirection, kbps: () => number, conn: { kind: string }): void {
		let inFlight = 0;
		const live = () => !from.destroyed && !to.destroyed;
		const flow = new Flow(conn);
		from.on('data', (chunk: Buffer) => {
			inFlight += chunk.length;
			if (inFlight > WINDOW_BYTES) from.pause();
			direction.pass(this.#profile, kbps(), chunk.length, () => {
				inFlight -= chunk.length;
				if (inFlight <= WINDOW_BYTES && from.isPaused()) from.resume();
				if (!to.destroyed) to.write(chunk);
			}, live, flow);
		});
		from.on('end', () => direction.pass(this.#profile, kbps(), 0, () => to.end(), live, flow));
		from.on('close', () => {
			this.#sockets.delete(from);
			direction.pass(this.#profile, kbps(), 0, () => to.end(), live, flow);
		});
	}
}
