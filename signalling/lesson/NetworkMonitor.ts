import type { LessonMedia, StreamStats } from '../../sfu/index.ts';
import type { EventBus } from '../../core/EventBus.ts';
import { inBackground } from '../../core/background.ts';
import { moduleLogger } from '../../core/logger.ts';
import type { NetworkQuality, ServerNotifications } from '../../protocol/index.ts';
import type { Peer } from './Peer.ts';

const log = moduleLogger('network-monitor');

const SAMPLE_MS = 2_000;
/** Network-quality ClassroomEvents are sampled, not sent every tick. */
const EVENT_EVERY_SAMPLES = 5;

/** What the monitor reads of a live lesson (LessonSession has it). */
export interface MonitoredLesson {
	readonly lessonId: string;
	readonly peers: ReadonlyMap<string, Peer>;
	media(): Promise<LessonMedia>;
	notify(target: 'all', name: 'network.quality', payload: ServerNotifications['network.quality']): void;
}

/**
 * Samples each classroom's link from mediasoup stats every 2 s: bitrate both ways (transport
 * stats), loss (RTCP fraction lost, uplink and downlink), RTT and the stream scores. Sent to the
 * lesson as `network.quality`; every 10 s also a ClassroomEvent for analytics.
 */
export class NetworkMonitor {
	readonly #session: MonitoredLesson;
	readonly #bus: EventBus;
	#timer: NodeJS.Timeout | null = null;
	#ticks = 0;

	constructor(session: MonitoredLesson, bus: EventBus) {
		this.#session = session;
		this.#bus = bus;
	}

	ensureRunning(): void {
		if (this.#timer) return;
		this.#timer = setInterval(() => inBackground(log, 'network sample', this.#sample(), { lessonId: this.#session.lessonId }), SAMPLE_MS);
		this.#timer.unref();
	}

	stop(): void {
		if (this.#timer) clearInterval(this.#timer);
		this.#timer = null;
	}

	async #sample(): Promise<void> {
		const session = this.#session;
		if (session.peers.size === 0) return;
		this.#ticks++;
		const byClassroom = new Map<string, Peer[]>();
		for (const peer of session.peers.values()) {
			const cid = peer.participant.classroomId;
			if (!cid || peer.participant.role === 'student') continue;
			byClassroom.set(cid, [...(byClassroom.get(cid) ?? []), peer]);
		}
		try {
			const media = await session.media();
			const qualities = await Promise.all([...byClassroom].map(([cid, peers]) => this.#measure(media, cid, peers)));
			const sampled = qualities.filter((q): q is NetworkQuality => q !== null);
			if (sampled.length === 0) return;
			session.notify('all', 'network.quality', sampled);
			if (this.#ticks % EVENT_EVERY_SAMPLES === 0) {
				for (const q of sampled) {
					this.#bus.publish(session.lessonId, 'network.quality', { actor: 'system', role: 'system', classroomId: q.classroomId }, {
						lossFraction: q.lossFraction,
						rttMs: q.rttMs,
						score: q.score,
						sendBitrate: q.sendBitrate,
						recvBitrate: q.recvBitrate
					});
				}
			}
		} catch (error) {
			log.debug({ err: (error as Error).message }, 'stats sample failed');
		}
	}

	async #measure(media: LessonMedia, classroomId: string, peers: Peer[]): Promise<NetworkQuality | null> {
		let sendBitrate = 0;
		let recvBitrate = 0;
		let loss = 0;
		let rtt: number | null = null;
		let score: number | null = null;
		let streams = 0;
		const seeScore = (s: number | undefined) => {
			if (typeof s === 'number') score = score === null ? s : Math.min(score, s);
		};
		for (const peer of peers) {
			for (const transportId of peer.transports.keys()) {
				const bitrates = await media.transportBitrates(transportId);
				if (!bitrates) continue;
				sendBitrate += bitrates.sendBitrate;
				recvBitrate += bitrates.recvBitrate;
			}
			for (const track of peer.tracks.values()) {
				const stats = await media.producerStats(track.producerId);
				if (!stats) continue;
				// A simulcast producer has a stream per layer. An idle layer keeps a stale loss figure and
				// scores 0 while the link is fine, so loss comes from the layer carrying the most bits and
				// the producer counts with its best score.
				let best: number | undefined;
				let busiest: StreamStats | undefined;
				for (const s of stats) {
					streams++;
					if ((s.bitrate ?? 0) >= (busiest?.bitrate ?? -1)) busiest = s;
					if (typeof s.score === 'number') best = Math.max(best ?? 0, s.score);
					if (typeof s.roundTripTime === 'number' && s.roundTripTime > 0) rtt = Math.max(rtt ?? 0, s.roundTripTime);
				}
				loss = Math.max(loss, (busiest?.fractionLost ?? 0) / 256);
				seeScore(best);
			}
			for (const consumer of peer.consumers.values()) {
				const stats = await media.consumerStats(consumer.id);
				// Paused media sends nothing, and its score says nothing about the link.
				if (!stats || stats.paused || stats.producerPaused) continue;
				for (const s of stats.streams.filter((x) => x.type === 'outbound-rtp')) {
					streams++;
					loss = Math.max(loss, (s.fractionLost ?? 0) / 256);
					if (typeof s.roundTripTime === 'number' && s.roundTripTime > 0) rtt = Math.max(rtt ?? 0, s.roundTripTime);
				}
				seeScore(stats.score);
			}
		}
		if (streams === 0 && sendBitrate === 0 && recvBitrate === 0) return null;
		return {
			classroomId,
			sendBitrate: Math.round(sendBitrate),
			recvBitrate: Math.round(recvBitrate),
			lossFraction: Math.round(loss * 1000) / 1000,
			rttMs: rtt === null ? null : Math.round(rtt),
			score,
			at: Date.now()
		};
	}
}
