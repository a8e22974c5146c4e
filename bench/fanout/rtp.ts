/**
 * Synthetic RTP for the fan-out benchmark: packet builders for the publisher (Opus + VP8) and the
 * tiny header reader used by the sinks. Only the RTP fixed header is ever read on the receiving
 * side, because SRTP leaves it in clear.
 */

export const RTP_HEADER_BYTES = 12;

/** Opus: 20 ms frames at 48 kHz. */
export const OPUS_CLOCK_RATE = 48_000;
export const OPUS_FRAME_MS = 20;
export const OPUS_TS_STEP = (OPUS_CLOCK_RATE * OPUS_FRAME_MS) / 1000; // 960
export const OPUS_PAYLOAD_BYTES = 100;

/** VP8: 30 fps at 90 kHz, ~1 Mbit/s. */
export const VP8_CLOCK_RATE = 90_000;
export const VP8_FPS = 30;
export const VP8_TS_STEP = VP8_CLOCK_RATE / VP8_FPS; // 3000
/** Bytes of VP8 data per RTP packet (after the payload descriptor). */
export const VP8_CHUNK_BYTES = 1100;
/** Packets in a key frame (~20 KB). */
export const VP8_KEYFRAME_PACKETS = 18;
/** Seconds between periodic key frames. */
export const VP8_KEYFRAME_INTERVAL_S = 2;
/** Size of the VP8 payload descriptor we emit: X, I (15-bit PictureID), L, T. */
export const VP8_DESCRIPTOR_BYTES = 6;

/** Delta-frame size pattern in packets: average 3.6 packets (~4 KB) per frame. */
export function vp8DeltaFramePackets(frameIndex: number): number {
	return frameIndex % 5 < 3 ? 4 : 3;
}

/** Expected video bitrate (payload bits per second) for the pattern above, for the report. */
export function vp8NominalBitrate(): number {
	const framesPerGop = VP8_FPS * VP8_KEYFRAME_INTERVAL_S;
	let packets = VP8_KEYFRAME_PACKETS;
	for (let i = 1; i < framesPerGop; i++) packets += vp8DeltaFramePackets(i);
	return (packets * (VP8_CHUNK_BYTES + VP8_DESCRIPTOR_BYTES) * 8) / VP8_KEYFRAME_INTERVAL_S;
}

/** Nominal video packet rate for the pattern above. */
export function vp8NominalPps(): number {
	const framesPerGop = VP8_FPS * VP8_KEYFRAME_INTERVAL_S;
	let packets = VP8_KEYFRAME_PACKETS;
	for (let i = 1; i < framesPerGop; i++) packets += vp8DeltaFramePackets(i);
	return packets / VP8_KEYFRAME_INTERVAL_S;
}

/** Random filler reused for payload bytes (content does not change SRTP cost). */
const FILLER = Buffer.alloc(2048);
for (let i = 0; i < FILLER.length; i++) FILLER[i] = (i * 131 + 17) & 0xff;

function writeHeader(
	buf: Buffer,
	payloadType: number,
	marker: boolean,
	seq: number,
	timestamp: number,
	ssrc: number
): void {
	buf[0] = 0x80; // V=2, no padding, no extension, CC=0
	buf[1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
	buf.writeUInt16BE(seq & 0xffff, 2);
	buf.writeUInt32BE(timestamp >>> 0, 4);
	buf.writeUInt32BE(ssrc >>> 0, 8);
}

/** One Opus packet: TOC byte (CELT FB 20 ms, stereo) plus filler. */
export function buildOpusPacket(payloadType: number, seq: number, timestamp: number, ssrc: number): Buffer {
	const buf = Buffer.allocUnsafe(RTP_HEADER_BYTES + OPUS_PAYLOAD_BYTES);
	writeHeader(buf, payloadType, false, seq, timestamp, ssrc);
	FILLER.copy(buf, RTP_HEADER_BYTES, 0, OPUS_PAYLOAD_BYTES);
	buf[RTP_HEADER_BYTES] = 0xfc; // config 31 (CELT FB 20 ms), s=1 (stereo), c=0 (one frame)
	return buf;
}

/**
 * One VP8 RTP packet with a payload descriptor like Chrome's:
 *   byte 0: X=1, N=0, S (start of partition), PID=0
 *   byte 1: I=1, L=1, T=1, K=0
 *   bytes 2-3: M=1 + 15-bit PictureID
 *   byte 4: TL0PICIDX
 *   byte 5: TID=0, Y=1, KEYIDX=0
 * The first packet of a frame then carries the VP8 payload header, whose low bit is the inverse
 * key-frame flag (P): 0 for a key frame. mediasoup's VP8 parser only looks at S, PID and P.
 */
export function buildVp8Packet(opts: {
	payloadType: number;
	seq: number;
	timestamp: number;
	ssrc: number;
	marker: boolean;
	start: boolean;
	keyFrame: boolean;
	pictureId: number;
	tl0PicIdx: number;
}): Buffer {
	const buf = Buffer.allocUnsafe(RTP_HEADER_BYTES + VP8_DESCRIPTOR_BYTES + VP8_CHUNK_BYTES);
	writeHeader(buf, opts.payloadType, opts.marker, opts.seq, opts.timestamp, opts.ssrc);
	let o = RTP_HEADER_BYTES;
	buf[o++] = 0x80 | (opts.start ? 0x10 : 0);
	buf[o++] = 0xe0;
	buf[o++] = 0x80 | ((opts.pictureId >> 8) & 0x7f);
	buf[o++] = opts.pictureId & 0xff;
	buf[o++] = opts.tl0PicIdx & 0xff;
	buf[o++] = 0x20;
	FILLER.copy(buf, o, 0, VP8_CHUNK_BYTES);
	if (opts.start) {
		if (opts.keyFrame) {
			// Frame tag: P=0 (key frame), version 0, show_frame=1, then the key-frame start code
			// and a 640x360 size, so the bytes look like a real VP8 key frame.
			buf[o] = 0x10;
			buf[o + 1] = 0x02;
			buf[o + 2] = 0x00;
			buf[o + 3] = 0x9d;
			buf[o + 4] = 0x01;
			buf[o + 5] = 0x2a;
			buf.writeUInt16LE(640, o + 6);
			buf.writeUInt16LE(360, o + 8);
		} else {
			buf[o] = 0x11; // P=1 (inter frame), show_frame=1
		}
	}
	return buf;
}

/** True when the second byte marks an RTCP packet on an RTP/RTCP-muxed port (RFC 5761). */
export function isRtcp(buf: Buffer): boolean {
	if (buf.length < 2) return false;
	const pt = buf[1] ?? 0;
	return pt >= 192 && pt <= 223;
}

/**
 * Walks a (S)RTCP compound packet and reports whether it holds a PLI or FIR (payload-specific
 * feedback, PT 206, FMT 1 or 4). With SRTCP the headers are still readable; the publisher side
 * is plain RTP anyway.
 */
export function rtcpHasKeyFrameRequest(buf: Buffer): boolean {
	let o = 0;
	while (o + 4 <= buf.length) {
		const b0 = buf[o] ?? 0;
		const pt = buf[o + 1] ?? 0;
		const words = buf.readUInt16BE(o + 2);
		if (b0 >> 6 !== 2) return false;
		const fmt = b0 & 0x1f;
		if (pt === 206 && (fmt === 1 || fmt === 4)) return true;
		o += (words + 1) * 4;
	}
	return false;
}
