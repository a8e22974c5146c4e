import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PlainTransport, Producer, Router } from '../../../sfu/types.ts';

export type SourceStream =
	| { kind: 'video'; width: number; height: number; fps: number; bitrate?: string }
	| { kind: 'audio'; frequency: number };

export interface FfmpegSourceOptions {
	streams: SourceStream[];
	/**
	 * 'sync': the video flashes white and the audio beeps for the first 100 ms of every second, so
	 * the A/V offset of a recording can be measured. 'plain': a moving test pattern and a steady tone.
	 */
	pattern?: 'sync' | 'plain';
	/** Key frame interval in frames (ffmpeg answers no PLI, so it must send them by itself). */
	keyFrameInterval?: number;
	/**
	 * Send this pre-encoded VP8/Opus file in a loop, copied (no encoder: costs almost nothing),
	 * instead of encoding a pattern live. `streams` then names which of its streams to send, in order.
	 */
	loopFile?: string;
	ffmpegPath?: string;
}

let nextSsrc = 50_000;

/**
 * A fake publisher for tests and benches: one ffmpeg encoding a test pattern and tones as VP8/Opus
 * RTP into comedia PlainTransports, each a Producer on the router (as a browser's would be).
 */
export class FfmpegSource {
	readonly producers: Producer[];
	readonly #transports: PlainTransport[];
	readonly #child: ChildProcess;
	#stderr = '';

	private constructor(producers: Producer[], transports: PlainTransport[], child: ChildProcess) {
		this.producers = producers;
		this.#transports = transports;
		this.#child = child;
		child.stderr?.setEncoding('utf8');
		child.stderr?.on('data', (chunk: string) => {
			this.#stderr = (this.#stderr + chunk).slice(-2000);
		});
	}

	static async start(router: Router, options: FfmpegSourceOptions): Promise<FfmpegSource> {
		const pattern = options.pattern ?? 'plain';
		const gop = options.keyFrameInterval ?? 15;
		const transports: PlainTransport[] = [];
		const producers: Producer[] = [];
		const inputs: string[] = [];
		const outputs: string[] = [];
		if (options.loopFile) inputs.push('-re', '-stream_loop', '-1', '-i', options.loopFile);
		const nth = { video: 0, audio: 0 };
		for (const [i, stream] of options.streams.entries()) {
			const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: true });
			transports.push(transport);
			const ssrc = nextSsrc++;
			const port = transport.tuple.localPort;
			// ffmpeg sends RTP and RTCP from different ports: comedia learns each on its own port.
			const url = `rtp://127.0.0.1:${port}?rtcpport=${transport.rtcpTuple?.localPort ?? port + 1}&pkt_size=1200`;
			if (options.loopFile) {
				const kind = stream.kind === 'video' ? 'v' : 'a';
				outputs.push('-map', `0:${kind}:${nth[stream.kind]++}`, '-c', 'copy', '-ssrc', String(ssrc), '-payload_type', stream.kind === 'video' ? '101' : '100', '-f', 'rtp', url);
			} else if (stream.kind === 'video') {
				const base = pattern === 'sync' ? `color=c=0x202020:s=${stream.width}x${stream.height}:r=${stream.fps}` : `testsrc2=s=${stream.width}x${stream.height}:r=${stream.fps}`;
				const flash = pattern === 'sync' ? `,drawbox=x=0:y=0:w=iw:h=ih:c=white:t=fill:enable='lt(mod(t\\,1)\\,0.1)'` : '';
				inputs.push('-re', '-f', 'lavfi', '-i', `${base}${flash},format=yuv420p`);
				outputs.push(
					'-map', `${i}:v`, '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-lag-in-frames', '0',
					'-b:v', stream.bitrate ?? '300k', '-g', String(gop), '-keyint_min', String(gop), '-threads', '1',
					'-ssrc', String(ssrc), '-payload_type', '101', '-f', 'rtp', url
				);
			} else {
				const beep = pattern === 'sync' ? `,volume=volume=0:enable='gte(mod(t\\,1)\\,0.1)'` : '';
				inputs.push('-re', '-f', 'lavfi', '-i', `sine=f=${stream.frequency}:r=48000:samples_per_frame=480${beep}`);
				outputs.push(
					'-map', `${i}:a`, '-c:a', 'libopus', '-b:a', '32k', '-ac', '2', '-application', 'lowdelay',
					'-ssrc', String(ssrc), '-payload_type', '100', '-f', 'rtp', url
				);
			}
			if (stream.kind === 'video') {
				producers.push(
					await transport.produce({
						kind: 'video',
						rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }], encodings: [{ ssrc }] }
					})
				);
			} else {
				producers.push(
					await transport.produce({
						kind: 'audio',
						rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc }] }
					})
				);
			}
		}
		const child = spawn(options.ffmpegPath ?? '/usr/bin/ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', ...inputs, ...outputs], {
			stdio: ['ignore', 'ignore', 'pipe']
		});
		const source = new FfmpegSource(producers, transports, child);
		await source.#flowing();
		return source;
	}

	get pid(): number | undefined {
		return this.#child.pid;
	}

	producer(kind: 'audio' | 'video', nth = 0): Producer {
		const producer = this.producers.filter((p) => p.kind === kind)[nth];
		if (!producer) throw new Error(`no ${kind} producer #${nth}`);
		return producer;
	}

	async stop(): Promise<void> {
		if (this.#child.exitCode === null && this.#child.signalCode === null) {
			this.#child.kill('SIGTERM');
			await Promise.race([once(this.#child, 'exit'), sleep(3000)]);
		}
		for (const transport of this.#transports) transport.close();
	}

	/** Resolves when every producer has received RTP (so a recording that starts now gets media). */
	async #flowing(): Promise<void> {
		const deadline = Date.now() + 10_000;
		while (Date.now() < deadline) {
			if (this.#child.exitCode !== null) throw new Error(`source ffmpeg exited: ${this.#stderr}`);
			const stats = await Promise.all(this.producers.map((p) => p.getStats()));
			if (stats.every((s) => s.some((entry) => entry.packetCount > 0))) return;
			await sleep(100);
		}
		throw new Error(`source ffmpeg sent no media within 10 s: ${this.#stderr}`);
	}
}
