/**
 * ICE connectivity checks as a controlling ICE agent sends them to mediasoup (ICE-lite): a STUN
 * Binding request with USERNAME, PRIORITY, ICE-CONTROLLING, USE-CANDIDATE, MESSAGE-INTEGRITY and
 * FINGERPRINT (RFC 8445 / 5389). mediasoup selects the tuple it came from and sends DTLS and media
 * there; repeating it keeps ICE consent alive.
 */

import { createHmac, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

const MAGIC_COOKIE = 0x2112a442;
const FINGERPRINT_XOR = 0x5354554e;

function attribute(type: number, value: Buffer): Buffer {
	const padded = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
	padded.writeUInt16BE(type, 0);
	padded.writeUInt16BE(value.length, 2);
	value.copy(padded, 4);
	return padded;
}

function header(bodyLength: number, transactionId: Buffer): Buffer {
	const h = Buffer.alloc(20);
	h.writeUInt16BE(0x0001, 0);
	h.writeUInt16BE(bodyLength, 2);
	h.writeUInt32BE(MAGIC_COOKIE, 4);
	transactionId.copy(h, 8);
	return h;
}

/** A Binding request for a mediasoup transport with these ICE parameters. */
export function bindingRequest(ice: { usernameFragment: string; password: string }): Buffer {
	const transactionId = randomBytes(12);
	const priority = Buffer.alloc(4);
	priority.writeUInt32BE(0x6e0001ff, 0);
	const body = Buffer.concat([
		attribute(0x0006, Buffer.from(`${ice.usernameFragment}:bench`)),
		attribute(0x0024, priority),
		attribute(0x802a, randomBytes(8)),
		attribute(0x0025, Buffer.alloc(0))
	]);
	// MESSAGE-INTEGRITY covers the message with its length already counting the attribute (24 bytes).
	const forIntegrity = Buffer.concat([header(body.length + 24, transactionId), body]);
	const integrity = attribute(0x0008, createHmac('sha1', ice.password).update(forIntegrity).digest());
	const withIntegrity = Buffer.concat([body, integrity]);
	const forFingerprint = Buffer.concat([header(withIntegrity.length + 8, transactionId), withIntegrity]);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE((crc32(forFingerprint) ^ FINGERPRINT_XOR) >>> 0, 0);
	return Buffer.concat([forFingerprint, attribute(0x8028, crc)]);
}

/** First byte of a DTLS record (RFC 7983 demultiplexing). */
export function isDtls(buf: Buffer): boolean {
	const b = buf[0] ?? 0;
	return b >= 20 && b <= 63;
}

/** First byte of an RTP or RTCP packet (RFC 7983 demultiplexing). */
export function isRtpOrRtcp(buf: Buffer): boolean {
	const b = buf[0] ?? 0;
	return b >= 128 && b <= 191;
}
