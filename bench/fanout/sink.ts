/**
 * Sink worker thread: one UDP socket per receiver (what each PlainTransport+SRTP consumer pair
 * sends to), plus one probe socket fed directly by the publisher. It never decrypts: the RTP
 * fixed header (sequence number, timestamp, SSRC, marker) is in clear under SRTP.
 *
 * Loss is counted per consumer SSRC as sequence gaps within the measurement window; latency is
 * receive time minus the publisher's send time for the same RTP timestamp (see protocol.ts).
 */

import { createSocket, type Socket } from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';
import {
	PROBE_SSRC,
	SendTimeRings,
	type KindCounts,
	type MainToSink,
	type SinkLink,
	type SinkInit,
	type SinkToMain,
	type StreamKind
} from './protocol.ts';
import { isRtcp } from './rtp.ts';
import { isDtls, isRtpOrRtcp } from './stun.ts';
import { Samples, summarize, threadCpuMs } from './stats.ts';

type Stream = {
	kind: StreamKind | null;
	/** Highest extended sequence number seen (lifetime). */
	maxExt: number;
	/** Window state: extended seq of the first packet in the window, -1 if none yet. */
	winBase: number;
	winMax: number;
	winReceived: number;
};

const init = workerData as SinkInit;
const port = parentPort;
if (!port) throw new Error('sink.ts must run as a worker thread');

const rings = new SendTimeRings(init.rings);
const base = init.clockBase;
const nowMs = (): number => Number(process.hrtime.bigint() - base) / 1e6;

const streams = new Map<number, Stream>();
const expected = new Map<number, StreamKind>();
let measuring = false;
let windowStart = 0;
let rtpReceived = 0;
let rtcpReceived = 0;
let unexpected = 0;
let late = 0;
const latAudio = new Samples(1 << 16);
const latVideo = new Samples(1 << 15);
const latDirect = new Samples(1024);
let directFirst = -1;
let directMax = -1;
let directReceived = 0;
let cpuAtStart: number | null = null;

function onRtp(buf: Buffer, now: number): void {
	if (buf.length < 12) return;
	if (isRtcp(buf)) {
		if (measuring) rtcpReceived++;
		return;
	}
	const ssrc = buf.readUInt32BE(8);
	const seq = buf.readUInt16BE(2);
	let st = streams.get(ssrc);
	if (!st) {
		st = { kind: expected.get(ssrc) ?? null, maxExt: seq, winBase: -1, winMax: -1, winReceived: 0 };
		streams.set(ssrc, st);
	}
	// Extend the 16-bit sequence number relative to the highest one seen.
	let delta = seq - (st.maxExt & 0xffff);
	if (delta > 32767) delta -= 65536;
	else if (delta < -32768) delta += 65536;
	const ext = st.maxExt + delta;
	if (ext > st.maxExt) st.maxExt = ext;
	if (!measuring) return;

	rtpReceived++;
	if (st.kind === null) {
		st.kind = expected.get(ssrc) ?? null;
		if (st.kind === null) {
			unexpected++;
			return;
		}
	}
	if (st.winBase < 0) {
		st.winBase = ext;
		st.winMax = ext;
	} else if (ext < st.winBase) {
		late++;
		return;
	} else if (ext > st.winMax) {
		st.winMax = ext;
	}
	st.winReceived++;

	const ts = buf.readUInt32BE(4);
	if (st.kind === 'audio') {
		const sent = rings.audioSentAt(ts, init.audioTsStep);
		if (sent >= 0) latAudio.push(now - sent);
	} else if ((buf[1] ?? 0) & 0x80) {
		// Video: only the marker (last) packet of a frame has a recorded send time.
		const sent = rings.videoSentAt(ts, init.videoTsStep);
		if (sent >= 0) latVideo.push(now - sent);
	}
}

function onProbe(buf: Buffer, now: number): void {
	if (!measuring || buf.length < 20 || buf.readUInt32BE(8) !== PROBE_SSRC) return;
	const seq = buf.readUInt32BE(4); // the probe uses the timestamp field as a plain counter
	if (directFirst < 0) directFirst = seq;
	if (seq > directMax) directMax = seq;
	directReceived++;
	latDirect.push(now - buf.readDoubleBE(12));
}

function bindSocket(onMessage: (buf: Buffer, now: number) => void): Promise<Socket> {
	return new Promise((resolve, reject) => {
		const s = createSocket({ type: 'udp4', recvBufferSize: init.recvBufferBytes });
		s.on('message', (msg) => onMessage(msg, nowMs()));
		s.once('error', reject);
		s.bind(0, '127.0.0.1', () => {
			try {
				s.setRecvBufferSize(init.recvBufferBytes);
			} catch {
				/* capped by net.core.rmem_max; the default still works */
			}
			resolve(s);
		});
	});
}

function emptyCounts(): KindCounts {
	return { streamsSeen: 0, streamsMissing: 0, received: 0, lostInGaps: 0 };
}

function finish(): SinkToMain {
	const windowMs = nowMs() - windowStart;
	measuring = false;
	const cpuEnd = threadCpuMs();
	const counts: Record<StreamKind, KindCounts> = { audio: emptyCounts(), video: emptyCounts() };
	for (const [ssrc, kind] of expected) {
		const st = streams.get(ssrc);
		const c = counts[kind];
		if (!st || st.winBase < 0) {
			c.streamsMissing++;
			continue;
		}
		c.streamsSeen++;
		c.received += st.winReceived;
		c.lostInGaps += Math.max(0, st.winMax - st.winBase + 1 - st.winReceived);
	}
	return {
		type: 'result',
		windowMs,
		rtpReceived,
		rtcpReceived,
		unexpectedSsrcPackets: unexpected,
		latePackets: late,
		audio: counts.audio,
		video: counts.video,
		latencyAudio: summarize(latAudio.view()),
		latencyVideo: summarize(latVideo.view()),
		latencyAll: summarize(latAudio.view(), latVideo.view()),
		latencyDirect: summarize(latDirect.view()),
		directLost: directFirst < 0 ? 0 : Math.max(0, directMax - directFirst + 1 - directReceived),
		sinkCpuMs: cpuEnd !== null && cpuAtStart !== null ? cpuEnd - cpuAtStart : null
	};
}

/** Per receiver socket: where its non-media packets (DTLS) go once it is linked. */
const relayOf: Array<((buf: Buffer) => void) | null> = [];
const linkSockets: Socket[] = [];
let consentTimer: NodeJS.Timeout | null = null;
const consent: Array<() => void> = [];
/** mediasoup's ICE consent check times out after 30 s without a request; repeat well within it. */
const CONSENT_EVERY_MS = 2000;

async function link(m: SinkLink, sockets: Socket[]): Promise<void> {
	const helper = await bindSocket(() => undefined);
	linkSockets.push(helper);
	let toSfu: Socket;
	if (m.receiver === null) {
		toSfu = await bindSocket(() => undefined);
		linkSockets.push(toSfu);
		toSfu.removeAllListeners('message');
		toSfu.on('message', (buf: Buffer) => {
			if (isDtls(buf) || isRtpOrRtcp(buf)) helper.send(buf, m.helperPort, '127.0.0.1');
		});
	} else {
		const s = sockets[m.receiver];
		if (!s) throw new Error(`no receiver ${m.receiver}`);
		toSfu = s;
		relayOf[m.receiver] = (buf) => helper.send(buf, m.helperPort, '127.0.0.1');
	}
	helper.removeAllListeners('message');
	helper.on('message', (buf: Buffer) => {
		if (isDtls(buf) || (m.receiver === null && isRtpOrRtcp(buf))) toSfu.send(buf, m.sfuPort, '127.0.0.1');
	});
	const sfuStun = Buffer.from(m.sfuStun);
	const helperStun = Buffer.from(m.helperStun);
	const check = (): void => {
		toSfu.send(sfuStun, m.sfuPort, '127.0.0.1');
		helper.send(helperStun, m.helperPort, '127.0.0.1');
	};
	check();
	consent.push(check);
	consentTimer ??= setInterval(() => consent.forEach((c) => c()), CONSENT_EVERY_MS);
}

async function main(): Promise<void> {
	const sockets: Socket[] = [];
	for (let i = 0; i < init.receivers; i++) {
		sockets.push(
			await bindSocket((buf, now) => {
				if (isRtpOrRtcp(buf)) onRtp(buf, now);
				else if (isDtls(buf)) relayOf[i]?.(buf);
			})
		);
	}
	const probe = await bindSocket(onProbe);
	const post = (m: SinkToMain): void => port!.postMessage(m);

	port!.on('message', (m: MainToSink) => {
		switch (m.type) {
			case 'expect':
				for (const s of m.streams) {
					expected.set(s.ssrc, s.kind);
					const st = streams.get(s.ssrc);
					if (st) st.kind = s.kind;
				}
				break;
			case 'start':
				for (const st of streams.values()) {
					st.winBase = -1;
					st.winMax = -1;
					st.winReceived = 0;
				}
				rtpReceived = rtcpReceived = unexpected = late = 0;
				latAudio.clear();
				latVideo.clear();
				latDirect.clear();
				directFirst = directMax = -1;
				directReceived = 0;
				cpuAtStart = threadCpuMs();
				windowStart = nowMs();
				measuring = true;
				post({ type: 'started' });
				break;
			case 'stop':
				post(finish());
				break;
			case 'link':
				link(m, sockets).catch((err: unknown) => post({ type: 'error', message: String(err) }));
				break;
			case 'close':
				if (consentTimer) clearInterval(consentTimer);
				for (const s of [...sockets, ...linkSockets]) s.close();
				probe.close();
				port!.close();
				break;
		}
	});

	post({
		type: 'ready',
		ports: sockets.map((s) => s.address().port),
		probePort: probe.address().port
	});
}

main().catch((err: unknown) => {
	port.postMessage({ type: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) });
});
