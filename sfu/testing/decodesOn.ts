import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { MediaTap } from '../MediaTap.ts';
import type { Producer, Router } from '../types.ts';

/** An even UDP port whose pair (port, port + 1) is free on 127.0.0.1. */
async function freeUdpPair(): Promise<number> {
	const bind = (port: number) =>
		new Promise<dgram.Socket | null>((resolve) => {
			const socket = dgram.createSocket('udp4');
			socket.once('error', () => resolve(null));
			socket.bind(port, '127.0.0.1', () => resolve(socket));
		});
	for (let attempt = 0; attempt < 50; attempt++) {
		const port = 20_000 + 2 * Math.floor(Math.random() * 10_000);
		const a = await bind(port);
		const b = a && (await bind(port + 1));
		a?.close();
		b?.close();
		if (a && b) return port;
	}
	throw new Error('no free UDP port pair');
}

/** Consumes `producer` on `router` into an ffmpeg that must decode `frames` video frames. */
export async function decodesOn(router: Router, producer: Producer, dir: string, frames = 10): Promise<void> {
	const port = await freeUdpPair();
	const tap = await MediaTap.open(router, producer, { ip: '127.0.0.1', port });
	const codec = tap.rtpParameters.codecs[0]!;
	const sdp = [
		'v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=decode', 'c=IN IP4 127.0.0.1', 't=0 0',
		`m=video ${port} RTP/AVPF ${codec.payloadType}`, `a=rtpmap:${codec.payloadType} VP8/90000`, 'a=recvonly', ''
	].join('\r\n');
	const sdpFile = path.join(dir, `${router.id}.sdp`);
	await writeFile(sdpFile, sdp);
	const child = spawn('/usr/bin/ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-protocol_whitelist', 'file,udp,rtp', '-i', sdpFile, '-frames:v', String(frames), '-f', 'null', '-'], {
		stdio: ['ignore', 'ignore', 'pipe']
	});
	let stderr = '';
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
	// Let ffmpeg bind its port before RTP flows, then ask for a key frame.
	await new Promise((resolve) => setTimeout(resolve, 500));
	await tap.resume();
	const keyFrames = setInterval(() => void tap.requestKeyFrame().catch(() => undefined), 1000);
	const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
	try {
		expect(await exited, stderr).toBe(0);
	} finally {
		clearTimeout(timer);
		clearInterval(keyFrames);
		tap.close();
	}
}
