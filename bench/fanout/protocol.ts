/**
 * Messages and shared memory layout between the benchmark's main thread (mediasoup control +
 * synthetic publisher) and the sink worker thread (UDP receivers).
 */

/** Slots in each send-time ring. Audio: 8192 x 20 ms = 164 s; video: 8192 frames = 273 s. */
export const RING_SLOTS = 8192;
const RING_MASK = RING_SLOTS - 1;

/**
 * Send-time rings in one SharedArrayBuffer: [audioTs, audioSentMs, videoTs, videoSentMs], each
 * RING_SLOTS Float64 values. The publisher writes the send time of every Opus packet (keyed by
 * RTP timestamp / 960) and of the last packet of every VP8 frame (keyed by timestamp / 3000)
 * right before handing it to the kernel; a sink looks the slot up by the RTP timestamp it
 * received (mediasoup's simple consumers keep the producer's RTP timestamp: tsOffset is 0).
 */
export class SendTimeRings {
	readonly buffer: SharedArrayBuffer;
	private readonly audioTs: Float64Array;
	private readonly audioSent: Float64Array;
	private readonly videoTs: Float64Array;
	private readonly videoSent: Float64Array;

	constructor(buffer?: SharedArrayBuffer) {
		this.buffer = buffer ?? new SharedArrayBuffer(4 * RING_SLOTS * 8);
		this.audioTs = new Float64Array(this.buffer, 0, RING_SLOTS);
		this.audioSent = new Float64Array(this.buffer, RING_SLOTS * 8, RING_SLOTS);
		this.videoTs = new Float64Array(this.buffer, 2 * RING_SLOTS * 8, RING_SLOTS);
		this.videoSent = new Float64Array(this.buffer, 3 * RING_SLOTS * 8, RING_SLOTS);
		if (!buffer) {
			this.audioTs.fill(-1);
			this.videoTs.fill(-1);
		}
	}

	putAudio(ts: number, sentMs: number, step: number): void {
		const slot = Math.floor(ts / step) & RING_MASK;
		this.audioSent[slot] = sentMs;
		this.audioTs[slot] = ts;
	}

	putVideo(ts: number, sentMs: number, step: number): void {
		const slot = Math.floor(ts / step) & RING_MASK;
		this.videoSent[slot] = sentMs;
		this.videoTs[slot] = ts;
	}

	/** Send time of the audio packet with this RTP timestamp, or -1 when not (or no longer) known. */
	audioSentAt(ts: number, step: number): number {
		const slot = Math.floor(ts / step) & RING_MASK;
		return this.audioTs[slot] === ts ? (this.audioSent[slot] ?? -1) : -1;
	}

	videoSentAt(ts: number, step: number): number {
		const slot = Math.floor(ts / step) & RING_MASK;
		return this.videoTs[slot] === ts ? (this.videoSent[slot] ?? -1) : -1;
	}
}

export type StreamKind = 'audio' | 'video';

export type SinkInit = {
	receivers: number;
	recvBufferBytes: number;
	/** process.hrtime.bigint() origin shared by both threads. */
	clockBase: bigint;
	rings: SharedArrayBuffer;
	audioTsStep: number;
	videoTsStep: number;
};

export type MainToSink =
	| { type: 'expect'; streams: Array<{ ssrc: number; kind: StreamKind; receiver: number }> }
	| { type: 'start' }
	| { type: 'stop' }
	| SinkLink
	| { type: 'close' };

/**
 * ICE + DTLS towards a mediasoup WebRtcTransport (the product path): the sink sends `sfuStun` to
 * `sfuPort` from the receiver's socket and `helperStun` to `helperPort` (a WebRtcTransport of the
 * benchmark's own worker that plays the browser's DTLS end) from a second socket, and relays DTLS
 * between the two. With `receiver: null` the sink opens a socket of its own and relays everything
 * (the teacher's send transport, whose media the helper transport sends).
 */
export type SinkLink = {
	type: 'link';
	receiver: number | null;
	sfuPort: number;
	sfuStun: Uint8Array;
	helperPort: number;
	helperStun: Uint8Array;
};

export type LatencySummary = {
	count: number;
	p50: number | null;
	p90: number | null;
	p99: number | null;
	p999: number | null;
	max: number | null;
	mean: number | null;
};

export type KindCounts = {
	/** Streams (consumer SSRCs) of this kind that delivered at least one packet in the window. */
	streamsSeen: number;
	/** Expected streams of this kind that delivered nothing in the window. */
	streamsMissing: number;
	received: number;
	/** Sequence-number gaps inside each stream's window range. */
	lostInGaps: number;
};

export type SinkResult = {
	type: 'result';
	windowMs: number;
	rtpReceived: number;
	rtcpReceived: number;
	unexpectedSsrcPackets: number;
	latePackets: number;
	audio: KindCounts;
	video: KindCounts;
	latencyAudio: LatencySummary;
	latencyVideo: LatencySummary;
	latencyAll: LatencySummary;
	/** Direct publisher -> sink probe (no SFU), sent during the same window: the harness floor. */
	latencyDirect: LatencySummary;
	directLost: number;
	/** CPU time of the sink thread during the window (ms), from /proc/thread-self/stat. */
	sinkCpuMs: number | null;
};

export type SinkToMain =
	| { type: 'ready'; ports: number[]; probePort: number }
	| { type: 'started' }
	| SinkResult
	| { type: 'error'; message: string };

/** SSRC of the direct probe stream. */
export const PROBE_SSRC = 0x0b0b0b0b;
