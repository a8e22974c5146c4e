import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface Balancer {
	url: string;
	/** The backend port each accepted connection went to, in order. */
	readonly chosen: number[];
	close(): Promise<void>;
}

/**
 * A TCP load balancer for one client: each connection goes to the first backend that accepts it,
 * in the order given, as a district's balancer sends a client to a node and, when that node is
 * gone, to another.
 */
export async function startBalancer(ports: number[]): Promise<Balancer> {
	const chosen: number[] = [];
	const open = new Set<Socket>();
	const server = createServer((client) => {
		open.add(client);
		client.on('close', () => open.delete(client));
		client.on('error', () => client.destroy());
		const attempt = (i: number) => {
			const port = ports[i];
			if (port === undefined || client.destroyed) {
				client.destroy();
				return;
			}
			const backend = connect(port, '127.0.0.1');
			backend.once('error', () => {
				backend.destroy();
				attempt(i + 1);
			});
			backend.once('connect', () => {
				chosen.push(port);
				open.add(backend);
				backend.on('close', () => {
					open.delete(backend);
					client.destroy();
				});
				backend.on('error', () => backend.destroy());
				client.on('close', () => backend.destroy());
				client.pipe(backend);
				backend.pipe(client);
			});
		};
		attempt(0);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		chosen,
		async close() {
			for (const socket of open) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		}
	};
}
