import net from 'node:net';

/**
 * A userspace TCP relay on 127.0.0.1 standing in for a school's link to the district: the
 * district→school direction is paced at `linkKbps`, every byte that way is logged with its time,
 * and `cut(ms)` drops every connection and refuses new ones for a while.
 */
export class TcpRelay {
	readonly #target: number;
	readonly #linkBytesPerMs: number;
	readonly #server = net.createServer((client) => this.#accept(client));
	readonly #sockets = new Set<net.Socket>();
	#downUntil = 0;
	#nextFree = 0;
	/** [ms since the epoch, bytes] for each chunk sent district→school. */
	readonly log: [number, number][] = [];
	cuts: { at: number; until: number }[] = [];

	constructor(targetPort: number, linkKbps: number) {
		this.#target = targetPort;
		this.#linkBytesPerMs = (linkKbps * 1000) / 8 / 1000;
	}

	async start(): Promise<string> {
		await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', () => resolve()));
		return `http://127.0.0.1:${(this.#server.address() as net.AddressInfo).port}`;
	}

	get bytesDown(): number {
		return this.log.reduce((sum, [, n]) => sum + n, 0);
	}

	cut(ms: number): void {
		const now = Date.now();
		this.#downUntil = now + ms;
		this.cuts.push({ at: now, until: now + ms });
		for (const socket of this.#sockets) socket.destroy();
		this.#sockets.clear();
	}

	async close(): Promise<void> {
		for (const socket of this.#sockets) socket.destroy();
		await new Promise<void>((resolve) => this.#server.close(() => resolve()));
	}

	#accept(client: net.Socket): void {
		if (Date.now() < this.#downUntil) {
			client.destroy();
			return;
		}
		const upstream = net.connect(this.#target, '127.0.0.1');
		this.#sockets.add(client);
		this.#sockets.add(upstream);
		const drop = () => {
			client.destroy();
			upstream.destroy();
			this.#sockets.delete(client);
			this.#sockets.delete(upstream);
		};
		client.on('error', drop).on('close', drop);
		upstream.on('error', drop).on('close', drop);
		client.on('data', (chunk: Buffer) => upstream.write(chunk));
		upstream.on('data', (chunk: Buffer) => {
			// The link's pace: a chunk leaves once the bytes before it have had their time.
			const now = Date.now();
			const start = Math.max(this.#nextFree, now);
			this.#nextFree = start + chunk.length / this.#linkBytesPerMs;
			const wait = start - now;
			upstream.pause();
			setTimeout(() => {
				if (client.destroyed) return;
				this.log.push([Date.now(), chunk.length]);
				client.write(chunk);
				upstream.resume();
			}, Math.max(0, wait));
		});
	}
}

/**
 * The sustained rate (kbit/s) of the longest stretch between cuts: the least-squares slope of bytes
 * received against time, so a paced transfer's steps average out.
 */
export function sustainedKbps(log: readonly [number, number][], cuts: readonly { at: number; until: number }[]): number {
	const bounds = [0, ...cuts.flatMap((c) => [c.at, c.until]), Infinity];
	let best: [number, number][] = [];
	for (let i = 0; i < bounds.length; i += 2) {
		const run = log.filter(([t]) => t >= bounds[i]! && t < bounds[i + 1]!);
		if (run.length > best.length) best = run;
	}
	if (best.length < 3) return NaN;
	let total = 0;
	const points = best.map(([t, n]) => [t, (total += n)] as const);
	const mt = points.reduce((s, [t]) => s + t, 0) / points.length;
	const mb = points.reduce((s, [, b]) => s + b, 0) / points.length;
	const num = points.reduce((s, [t, b]) => s + (t - mt) * (b - mb), 0);
	const den = points.reduce((s, [t]) => s + (t - mt) ** 2, 0);
	return ((num / den) * 1000 * 8) / 1000;
}
