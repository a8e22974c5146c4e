import dgram from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { SfuError } from './errors.ts';

function tryBind(ip: string, port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
		socket.once('error', () => {
			socket.close();
			resolve(false);
		});
		socket.bind(port, ip, () => socket.close(() => resolve(true)));
	});
}

/** An even port whose successor is free too (RTP, RTCP) for a local process (ffmpeg) to listen on. */
export async function freeRtpPortPair(ip: string): Promise<number> {
	for (let attempt = 0; attempt < 50; attempt++) {
		const port = 20_000 + 2 * Math.floor(Math.random() * 20_000);
		if ((await tryBind(ip, port)) && (await tryBind(ip, port + 1))) return port;
	}
	throw new SfuError('unavailable', `no free UDP port pair on ${ip}`);
}

/**
 * Resolves once some process (ffmpeg) holds `port`: mediasoup must not send before, or the first
 * packets (a key frame) are lost to an ICMP "port unreachable".
 */
export async function waitUntilBound(ip: string, port: number, timeoutMs: number, alive: () => boolean): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (!alive()) throw new SfuError('unavailable', 'the process exited before it listened');
		if (!(await tryBind(ip, port))) return;
		await sleep(15);
	}
	throw new SfuError('unavailable', `nothing listened on ${ip}:${port} within ${timeoutMs} ms`);
}
