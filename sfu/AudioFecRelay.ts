import type { ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { spawnTied } from '../core/spawnTied.ts';
import type { PlainTransport, Producer, Router } from 'mediasoup/types';
import { moduleLogger } from '../core/logger.ts';
import { SfuError } from './errors.ts';
import { MediaTap } from './MediaTap.ts';
import { rtpSdp } from './rtpSdp.ts';
import { freeRtpPortPair, waitUntilBound } from './udpPorts.ts';

const log = moduleLogger('audio-fec-relay');

const LOCAL_IP = '127.0.0.1';
const PAYLOAD_TYPE = 100;
/**
 * The loss the encoder is told to expect. Opus sizes its in-band FEC (a low-rate copy of each speech
 * frame in the next packet, which rebuilds a single lost packet) by it, and at this much keeps to
 * the SILK mode that has FEC.
 */
const EXPECTED_LOSS_PCT = 20;
const BITRATE = '40k';
const LISTEN_TIMEOUT_MS = 15_000;

export interface AudioFecRelayEvents {
	/** ffmpeg exited or the source went: the relayed producer is closed. */
	closed: [];
}

/**
 * A copy of an audio producer re-encoded for lossy links: the SFU ends RTCP, so a sender on a clean
 * uplink never hears that a room's downlink loses packets, and its Opus encoder adds no FEC. The
 * relay taps the producer's RTP to ffmpeg, which decodes and encodes it again with in-band FEC for
 * EXPECTED_LOSS_PCT, and produces the result on the same router. Rooms on lossy links consume the
 * copy instead of the original: a decode and an encode later (not measured yet), with the FEC's bits.
 */
export class AudioFecRelay extends EventEmitter<AudioFecRelayEvents> {
	/** The id of the relayed (FEC) producer. */
	readonly producerId: string;
	readonly sourceProducerId: string;
	readonly #tap: MediaTap;
	readonly #out: PlainTransport;
	/** The relayed producer, on the source's router. */
	readonly producer: Producer;
	readonly #ffmpeg: ChildProcess;
	#closed = false;

	private constructor(source: Producer, tap: MediaTap, out: PlainTransport, producer: Producer, ffmpeg: ChildProcess, stderr: () => string) {
		super();
		this.sourceProducerId = source.id;
		this.producerId = producer.id;
		this.#tap = tap;
		this.#out = out;
		this.producer = producer;
		this.#ffmpeg = ffmpeg;
		tap.once('gone', () => this.close());
		// Consumers of the copy hear of a muted source as they would of the source itself.
		const mirror = (paused: boolean) => () => {
			if (!producer.closed) (paused ? producer.pause() : producer.resume()).catch(() => undefined);
		};
		const onPause = mirror(true);
		const onResume = mirror(false);
		source.observer.on('pause', onPause);
		source.observer.on('resume', onResume);
		this.once('closed', () => {
			source.observer.off('pause', onPause);
			source.observer.off('resume', onResume);
		});
		producer.observer.once('close', () => this.close());
		ffmpeg.once('exit', (code, signal) => {
			if (!this.#closed) log.warn({ producerId: source.id, code, signal, stderr: stderr().trim() }, 'ffmpeg of an audio FEC relay exited');
			this.close();
		});
	}

	static async open(router: Router, source: Producer, ffmpegPath = '/usr/bin/ffmpeg'): Promise<AudioFecRelay> {
		if (source.kind !== 'audio') throw new SfuError('invalid', `producer ${source.id} is not audio`);
		const inPort = await freeRtpPortPair(LOCAL_IP);
		const tap = await MediaTap.open(router, source, { ip: LOCAL_IP, port: inPort });
		let out: PlainTransport | undefined;
		let ffmpeg: ChildProcess | undefined;
		try {
			// ffmpeg sends RTCP from another port than RTP: comedia learns each on its own port.
			out = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: LOCAL_IP }, rtcpMux: false, comedia: true, appData: { fecOf: source.id } });
			const ssrc = randomInt(1, 2 ** 31);
			const producer = await out.produce({
				kind: 'audio',
				paused: source.paused,
				rtpParameters: {
					codecs: [{ mimeType: 'audio/opus', payloadType: PAYLOAD_TYPE, clockRate: 48_000, channels: 2, parameters: { useinbandfec: 1 } }],
					encodings: [{ ssrc }]
				},
				appData: { fecOf: source.id }
			});
			const outPort = out.tuple.localPort;
			ffmpeg = spawnTied(ffmpegPath, ffmpegArgs(ssrc, outPort, out.rtcpTuple?.localPort ?? outPort + 1), { stdio: ['pipe', 'ignore', 'pipe'] });
			let stderr = '';
			let spawnFailed = false;
			// A missing binary is an 'error' event, not an exit: unhandled, it would end the server.
			ffmpeg.on('error', (error) => {
				spawnFailed = true;
				stderr += error.message;
			});
			ffmpeg.stdin?.on('error', () => undefined);
			ffmpeg.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
			ffmpeg.stdin?.end(rtpSdp('audio', tap.rtpParameters, LOCAL_IP, inPort));
			const child = ffmpeg;
			await waitUntilBound(LOCAL_IP, inPort, LISTEN_TIMEOUT_MS, () => !spawnFailed && child.exitCode === null && child.signalCode === null).catch((error: Error) => {
				throw new SfuError('unavailable', `audio FEC relay: ${error.message} ${stderr.trim()}`);
			});
			await tap.resume();
			log.info({ producerId: source.id, relayedProducerId: producer.id }, 'audio FEC relay open');
			return new AudioFecRelay(source, tap, out, producer, ffmpeg, () => stderr);
		} catch (error) {
			ffmpeg?.kill('SIGKILL');
			out?.close();
			tap.close();
			throw error;
		}
	}

	get closed(): boolean {
		return this.#closed;
	}

	/** The ffmpeg process doing the re-encode (for logs and process checks). */
	get encoderPid(): number | undefined {
		return this.#ffmpeg.pid;
	}

	close(): void {
		if (this.#closed) return;
		this.#closed = true;
		this.#ffmpeg.kill('SIGKILL');
		this.#tap.close();
		this.producer.close();
		this.#out.close();
		this.emit('closed');
	}
}

function ffmpegArgs(ssrc: number, outPort: number, outRtcpPort: number): string[] {
	return [
		'-hide_banner',
		'-loglevel', 'error',
		'-protocol_whitelist', 'pipe,udp,rtp',
		// Play what arrives at once: no probing, no input buffering.
		'-fflags', 'nobuffer',
		'-flags', 'low_delay',
		'-probesize', '32',
		'-analyzeduration', '0',
		'-f', 'sdp',
		'-i', 'pipe:0',
		'-map', '0:a',
		'-c:a', 'libopus',
		'-application', 'voip',
		'-b:a', BITRATE,
		'-frame_duration', '20',
		// ':a': the encoder's option (the RTP muxer has a `fec` of its own).
		'-fec:a', '1',
		'-packet_loss:a', String(EXPECTED_LOSS_PCT),
		'-flush_packets', '1',
		'-f', 'rtp',
		'-payload_type', String(PAYLOAD_TYPE),
		'-ssrc', String(ssrc),
		`rtp://${LOCAL_IP}:${outPort}?rtcpport=${outRtcpPort}&pkt_size=1200`
	];
}
