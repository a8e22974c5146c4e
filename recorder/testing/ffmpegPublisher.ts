import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, rename, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { EventActor, EventBus } from '../../core/EventBus.ts';
import type { Participant, PublishedTrack } from '../../protocol/index.ts';
import type { LessonMedia } from '../../sfu/index.ts';
import type { PlainTransport, Producer } from '../../sfu/types.ts';

/** A joined participant as the publisher reaches it (signalling's Peer has it). */
interface PublishingPeer {
	readonly participant: Participant;
	readonly transports: Map<string, { direction: 'send' | 'recv' }>;
	readonly tracks: Map<string, PublishedTrack>;
}

/** The live lesson as the publisher reaches it (signalling's LessonSession has it). */
export interface PublishingLesson {
	readonly lessonId: string;
	readonly bus: EventBus;
	readonly peers: ReadonlyMap<string, PublishingPeer>;
	media(): Promise<LessonMedia>;
	actorOf(peer: PublishingPeer): EventActor;
	changed(): void;
}

let nextSsrc = 31_000_000;

const run = promisify(execFile);
const SOURCE_SECONDS = 120;
const SOURCES_DIR = path.join(tmpdir(), 'classbridge-test-sources');

/**
 * ffmpeg test sources encoded once (VP8 with a key frame every second, Opus) and then only copied
 * into RTP: a publisher costs next to no CPU, so several of them leave the recorder the machine.
 */
const SOURCE_ARGS: Record<'mic' | 'camera' | 'screen' | 'roomMic', string[]> = {
	camera: ['-f', 'lavfi', '-i', `testsrc2=size=320x240:rate=15:duration=${SOURCE_SECONDS}`, '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '250k', '-g', '15', '-pix_fmt', 'yuv420p'],
	screen: ['-f', 'lavfi', '-i', `smptebars=size=320x240:rate=10:duration=${SOURCE_SECONDS}`, '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '150k', '-g', '10', '-pix_fmt', 'yuv420p'],
	mic: ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${SOURCE_SECONDS}`, '-c:a', 'libopus', '-b:a', '32k', '-ac', '2'],
	roomMic: ['-f', 'lavfi', '-i', `sine=frequency=660:sample_rate=48000:duration=${SOURCE_SECONDS}`, '-c:a', 'libopus', '-b:a', '32k', '-ac', '2']
};
const sources = new Map<string, Promise<string>>();

function sourceFile(name: keyof typeof SOURCE_ARGS): Promise<string> {
	let pending = sources.get(name);
	if (!pending) {
		pending = (async () => {
			const file = path.join(SOURCES_DIR, `${name}-${SOURCE_SECONDS}s.webm`);
			if (await stat(file).then((s) => s.size > 0, () => false)) return file;
			await mkdir(SOURCES_DIR, { recursive: true });
			const tmp = `${file}.${process.pid}.tmp.webm`;
			await run('/usr/bin/ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...SOURCE_ARGS[name], tmp]);
			await rename(tmp, file);
			return file;
		})();
		sources.set(name, pending);
		pending.catch(() => sources.delete(name));
	}
	return pending;
}

/** A participant's track fed by ffmpeg test sources (VP8 colour bars, an Opus tone) instead of a browser. */
export interface FfmpegTrack {
	producerId: string;
	producer: Producer;
	ffmpeg: ChildProcess;
	/** Unpublishes as the client would (media.closeProducer) and stops ffmpeg. */
	close(): Promise<void>;
}

/**
 * Publishes a track for a joined participant the way `media.produce` does (the peer's track, the
 * lesson's producer, a `media.published` event), but the RTP comes from ffmpeg over a PlainTransport
 * on the lesson's own router: real media through the real server, without a browser.
 */
export async function publishFfmpegTrack(session: PublishingLesson, participantId: string, source: 'mic' | 'camera' | 'screen'): Promise<FfmpegTrack> {
	const peer = session.peers.get(participantId);
	if (!peer) throw new Error(`no peer ${participantId} in the lesson`);
	const input = await sourceFile(source === 'mic' ? (peer.participant.role === 'teacher' ? 'mic' : 'roomMic') : source);
	const media = await session.media();
	const transport: PlainTransport = await media.router.createPlainTransport({
		listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
		// ffmpeg sends RTCP from its own port: a muxed tuple learnt from RTCP would drop the RTP.
		rtcpMux: false,
		comedia: true
	});
	// The peer closes it with its other transports when it leaves.
	media.adoptTransport(transport);
	peer.transports.set(transport.id, { direction: 'send' });
	const ssrc = nextSsrc++;
	const audio = source === 'mic';
	const payloadType = audio ? 100 : 101;
	const producer = await transport.produce({
		kind: audio ? 'audio' : 'video',
		rtpParameters: {
			codecs: audio
				? [{ mimeType: 'audio/opus', payloadType, clockRate: 48000, channels: 2, parameters: { 'sprop-stereo': 1 } }]
				: [{ mimeType: 'video/VP8', payloadType, clockRate: 90000, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }] }],
			encodings: [{ ssrc }]
		},
		appData: { participantId, source }
	});
	media.adoptProducer(producer);
	const track: PublishedTrack = {
		producerId: producer.id,
		participantId,
		classroomId: peer.participant.classroomId,
		role: peer.participant.role,
		source,
		kind: producer.kind,
		paused: false
	};
	peer.tracks.set(producer.id, track);
	const target = `rtp://127.0.0.1:${transport.tuple.localPort}?rtcpport=${transport.rtcpTuple?.localPort ?? transport.tuple.localPort + 1}&pkt_size=1200`;
	const ffmpeg = spawn('/usr/bin/ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-i', input, '-map', '0:0', '-c', 'copy', '-ssrc', String(ssrc), '-payload_type', String(payloadType), '-f', 'rtp', target], {
		stdio: ['ignore', 'ignore', 'pipe']
	});
	ffmpeg.stderr?.resume();
	session.bus.publish(session.lessonId, 'media.published', session.actorOf(peer), { producerId: producer.id, source, kind: producer.kind });
	session.changed();
	return {
		producerId: producer.id,
		producer,
		ffmpeg,
		async close() {
			if (ffmpeg.exitCode === null) {
				const exited = new Promise((resolve) => ffmpeg.once('exit', resolve));
				ffmpeg.kill('SIGINT');
				await exited;
			}
			if (peer.tracks.delete(producer.id)) {
				session.bus.publish(session.lessonId, 'media.unpublished', session.actorOf(peer), { producerId: producer.id, source });
				session.changed();
			}
			transport.close();
		}
	};
}
