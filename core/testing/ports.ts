import { createServer } from 'node:net';
import dgram from 'node:dgram';

/** A port free for both TCP and UDP on 127.0.0.1 (the WebRtcServer needs both). */
export async function freePort(): Promise<number> {
	for (let attempt = 0; attempt < 20; attempt++) {
		const port = await new Promise<number>((resolve, reject) => {
			const server = createServer();
			server.once('error', reject);
			server.listen(0, '127.0.0.1', () => {
				const address = server.address();
				server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
			});
		});
		const udpFree = await new Promise<boolean>((resolve) => {
			const socket = dgram.createSocket('udp4');
			socket.once('error', () => resolve(false));
			socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
		});
		if (udpFree) return port;
	}
	throw new Error('no free port');
}
