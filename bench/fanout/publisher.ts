/**
 * Synthetic publisher: one Opus stream (50 pps, 100-byte payloads) and one VP8 stream (30 fps,
 * ~1 Mbit/s, 1100-byte chunks, key frame every 2 s and on PLI/FIR, paced like libwebrtc) sent as
 * plain RTP from one UDP socket into a comedia PlainTransport. It also sends a 50 pps probe straight to the sink
 * thread (no SFU) so the harness's own loopback + event-loop latency can be subtracted.
 */

import { createSocket, type Socket } from 'node:dgram';
import { PROBE_SSRC, type SendTimeRings } from './protocol.ts';
import {
	OPUS_FRAME_MS,
	OPUS_TS_STEP,
	VP8_FPS,
	VP8_KEYFRAME_INTERVAL_S,
	VP8_KEYFRAME_PACKETS,
	VP8_TS_STEP,
	buildOpusPacket,
	buildVp8Packet,
	isRtcp,
	rtcpHasKeyFrameRequest,
	vp8DeltaFramePackets
} from './rtp.ts';

export type PublisherOptions = {
	sfuPort: number;
	probePort: number;
	audioSsrc: number;
	videoSsrc: number;
	audioPayloadType: number;
	videoPayloadType: number;
	rings: SendTimeRings;
	nowMs: () => number;
	/**
	 * Video pacing rate in kbit/s (libwebrtc paces at 2.5x the target bitrate); 0 sends each
	 * frame as one burst. Audio is never paced, as in libwebrtc where it bypasses the queue.
	 */
	pacingKbps: number;
};

export type PublisherCounters = {
	audioPackets: number;
	videoPackets: number;
	videoFrames: number;
	keyFrames: number;
	keyFrameRequests: number;
	sendErrors: number;
	/** Worst lateness of the send timer versus the schedule (ms). */
	maxTimerLagMs: number;
};

/** Minimum spacing of key frames produced in answer to PLI/FIR. */
const KEYFRAME_REQUEST_MIN_GAP_MS = 300;
const TICK_MS = 2;
/** Largest burst the pacer may accumulate, in bytes (about two video packets). */
const PACER_MAX_BURST_BYTES = 2400;

type QueuedPacket = { buf: Buffer; marker: boolean; timestamp: number };

export class Publisher {
	private readonly opts: PublisherOptions;
	private socket: Socket | null = null;
	private timer: NodeJS.Timeout | null = null;
	private audioSeq = Math.floor(Math.random() * 0xffff);
	private videoSeq = Math.floor(Math.random() * 0xffff);
	// Timestamps start at a multiple of the step so that ts / step is an integer ring index.
	private audioTs = OPUS_TS_STEP * Math.floor(Math.random() * 1000);
	private videoTs = VP8_TS_STEP * Math.floor(Math.random() * 1000);
	private pictureId = Math.floor(Math.random() * 0x7fff);
	private tl0 = 0;
	private frameIndex = 0;
	private probeSeq = 0;
	private nextAudioAt = 0;
	private nextVideoAt = 0;
	private lastKeyFrameAt = -1e9;
	private keyFrameRequested = false;
	private readonly videoQueue: QueuedPacket[] = [];
	private pacerBudget = 0;
	private lastTickAt = 0;
	readonly counters: PublisherCounters = {
		audioPackets: 0,
		videoPackets: 0,
		videoFrames: 0,
		keyFrames: 0,
		keyFrameRequests: 0,
		sendErrors: 0,
		maxTimerLagMs: 0
	};

	constructor(opts: PublisherOptions) {
		this.opts = opts;
	}

	async start(): Promise<void> {
		const socket = createSocket({ type: 'udp4' });
		this.socket = socket;
		socket.on('message', (msg) => {
			if (isRtcp(msg) && rtcpHasKeyFrameRequest(msg)) {
				this.counters.keyFrameRequests++;
				this.keyFrameRequested = true;
			}
		});
		await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
		const now = this.opts.nowMs();
		this.nextAudioAt = now;
		this.nextVideoAt = now;
		this.lastTickAt = now;
		this.timer = setInterval(() => this.tick(), TICK_MS);
		this.tick();
	}

	stop(): void {
		if (this.timer) clearInterval(this.timer);
		this.timer = null;
		this.socket?.close();
		this.socket = null;
	}

	resetLag(): void {
		this.counters.maxTimerLagMs = 0;
	}

	private send(buf: Buffer, port: number): void {
		this.socket?.send(buf, port, '127.0.0.1', (err) => {
			if (err) this.counters.sendErrors++;
		});
	}

	private tick(): void {
		const now = this.opts.nowMs();
		const lag = Math.max(now - this.nextAudioAt, now - this.nextVideoAt);
		if (lag > this.counters.maxTimerLagMs) this.counters.maxTimerLagMs = lag;
		while (this.nextAudioAt <= now) {
			this.sendAudio();
			this.nextAudioAt += OPUS_FRAME_MS;
		}
		while (this.nextVideoAt <= now) {
			this.sendVideoFrame();
			this.nextVideoAt += 1000 / VP8_FPS;
		}
		this.drainPacer(now);
	}

	private drainPacer(now: number): void {
		const o = this.opts;
		const unpaced = o.pacingKbps <= 0;
		this.pacerBudget = Math.min(
			PACER_MAX_BURST_BYTES,
			this.pacerBudget + ((now - this.lastTickAt) * o.pacingKbps) / 8
		);
		this.lastTickAt = now;
		while (this.videoQueue.length > 0 && (unpaced || this.pacerBudget > 0)) {
			const p = this.videoQueue.shift()!;
			if (p.marker) o.rings.putVideo(p.timestamp, o.nowMs(), VP8_TS_STEP);
			this.send(p.buf, o.sfuPort);
			this.counters.videoPackets++;
			this.pacerBudget -= p.buf.length;
		}
	}

	/** Video packets waiting in the pacer. */
	get queuedVideoPackets(): number {
		return this.videoQueue.length;
	}

	private sendAudio(): void {
		const o = this.opts;
		const pkt = buildOpusPacket(o.audioPayloadType, this.audioSeq, this.audioTs, o.audioSsrc);
		o.rings.putAudio(this.audioTs, o.nowMs(), OPUS_TS_STEP);
		this.send(pkt, o.sfuPort);
		this.counters.audioPackets++;
		this.audioSeq = (this.audioSeq + 1) & 0xffff;
		this.audioTs = (this.audioTs + OPUS_TS_STEP) >>> 0;

		// Direct probe: RTP-shaped, counter in the timestamp field, send time in the payload.
		const probe = Buffer.alloc(20);
		probe[0] = 0x80;
		probe[1] = 0x7f;
		probe.writeUInt32BE(this.probeSeq++, 4);
		probe.writeUInt32BE(PROBE_SSRC, 8);
		probe.writeDoubleBE(o.nowMs(), 12);
		this.send(probe, o.probePort);
	}

	private sendVideoFrame(): void {
		const o = this.opts;
		const now = o.nowMs();
		const periodic = this.frameIndex % (VP8_FPS * VP8_KEYFRAME_INTERVAL_S) === 0;
		const requested = this.keyFrameRequested && now - this.lastKeyFrameAt >= KEYFRAME_REQUEST_MIN_GAP_MS;
		const keyFrame = periodic || requested;
		if (keyFrame) {
			this.keyFrameRequested = false;
			this.lastKeyFrameAt = now;
			this.counters.keyFrames++;
		}
		const packets = keyFrame ? VP8_KEYFRAME_PACKETS : vp8DeltaFramePackets(this.frameIndex);
		for (let i = 0; i < packets; i++) {
			const marker = i === packets - 1;
			const pkt = buildVp8Packet({
				payloadType: o.videoPayloadType,
				seq: this.videoSeq,
				timestamp: this.videoTs,
				ssrc: o.videoSsrc,
				marker,
				start: i === 0,
				keyFrame,
				pictureId: this.pictureId,
				tl0PicIdx: this.tl0
			});
			this.videoQueue.push({ buf: pkt, marker, timestamp: this.videoTs });
			this.videoSeq = (this.videoSeq + 1) & 0xffff;
		}
		this.counters.videoFrames++;
		this.frameIndex++;
		this.pictureId = (this.pictureId + 1) & 0x7fff;
		this.tl0 = (this.tl0 + 1) & 0xff;
		this.videoTs = (this.videoTs + VP8_TS_STEP) >>> 0;
	}
}
