import type { LessonMedia, StreamStats } from '../../sfu/index.ts';
import type { EventBus } from '../../core/EventBus.ts';
import { inBackground } from '../../core/background.ts';
import { moduleLogger } from '../../core/logger.ts';
import type { NetworkQuality, Role, ServerNotifications } from '../../protocol/index.ts';
import type { Peer } from './Peer.ts';

const log = moduleLogger('network-monitor');

export const SAMPLE_MS = 2_000;
/** Network-quality ClassroomEvents are sampled, not sent every tick. */
const EVENT_EVERY_SAMPLES = 5;
/** RTT (and loss where transport-cc gives none) come from one stream per transport, this often. */
const PROBE_EVERY_SAMPLES = 5;
/** A classroom's figures are sent again after this many samples even when they did not change. */
const REFRESH_EVERY_SAMPLES = 5;
/** Who shows a classroom's link: the teacher (every classroom), its classroom device and assistant. */
const VIEWERS_OF_OWN: Role[] = ['classroom', 'assistant'];

/** What the monitor reads of a live lesson (LessonSession has it). */
export interface MonitoredLesson {
	readonly lessonId: string;
	readonly peers: ReadonlyMap<string, Peer>;
	media(): Promise<LessonMedia>;
	roleAudience(role: Role, classroomId?: string | null): string;
	notifyAudiences(audiences: string[], name: 'network.quality', payload: ServerNotifications['network.quality']): void;
}

interface Probe {
	rttMs: number | null;
	loss: number;
}

interface Sent {
	quality: NetworkQuality;
	tick: number;
}

/**
 * Samples each classroom's link every 2 s: one stats call per transport (bitrates both ways, loss
 * from transport-cc), the stream scores the worker pushes (no stats call), and every 10 s one
 * producer and one consumer stream per classroom for the RTT. A classroom's figures go only to
 * those who show them (the teacher, that classroom's device and assistant) and only when they
 * changed (or every 10 s); every 10 s also a ClassroomEvent for analytics.
 */
export class NetworkMonitor {
	readonly #session: MonitoredLesson;
	readonly #bus: EventBus;
	readonly #probes = new Map<string, Probe>();
	readonly #sent = new Map<string, Sent>();
	#timer: NodeJS.Timeout | null = null;
	#ticks = 0;
	#sampling = false;
	/** Stats calls made, for the bench and tests. */
	statsCalls = 0;

	constructor(session: MonitoredLesson, bus: EventBus) {
		this.#session = session;
		this.#bus = bus;
	}

	ensureRunning(): void {
		if (this.#timer) return;
		this.#timer = setInterval(() => {
			// A slow worker must not stack samples.
			if (this.#sampling) return;
			this.#sampling = true;
			inBackground(log, 'network sample', this.sample().finally(() => (this.#sampling = false)), { lessonId: this.#session.lessonId });
		}, SAMPLE_MS);
		this.#timer.unref();
	}

	stop(): void {
		if (this.#timer) clearInterval(this.#timer);
		this.#timer = null;
	}

	/** One sample (the timer calls it; tests call it directly). */
	async sample(): Promise<void> {
		const session = this.#session;
		if (session.peers.size === 0) return;
		const tick = this.#ticks++;
		const byClassroom = new Map<string, Peer[]>();
		for (const peer of session.peers.values()) {
			const cid = peer.participant.classroomId;
			if (!cid || peer.participant.role === 'student') continue;
			byClassroom.set(cid, [...(byClassroom.get(cid) ?? []), peer]);
		}
		for (const cid of this.#sent.keys()) if (!byClassroom.has(cid)) this.#forget(cid);
		try {
			const media = await session.media();
			const qualities = await Promise.all([...byClassroom].map(([cid, peers]) => this.#measure(media, cid, peers, tick)));
			const sampled = qualities.filter((q): q is NetworkQuality => q !== null);
			const changed = sampled.filter((q) => this.#shouldSend(q, tick));
			if (changed.length > 0) {
				session.notifyAudiences([session.roleAudience('teacher')], 'network.quality', changed);
				for (const q of changed) {
					session.notifyAudiences(VIEWERS_OF_OWN.map((role) => session.roleAudience(role, q.classroomId)), 'network.quality', [q]);
					this.#sent.set(q.classroomId, { quality: q, tick });
				}
			}
			if (tick % EVENT_EVERY_SAMPLES === EVENT_EVERY_SAMPLES - 1) {
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

	#forget(classroomId: string): void {
		this.#sent.delete(classroomId);
		this.#probes.delete(classroomId);
	}

	#shouldSend(q: NetworkQuality, tick: number): boolean {
		const last = this.#sent.get(q.classroomId);
		return !last || tick - last.tick >= REFRESH_EVERY_SAMPLES || changedEnough(last.quality, q);
	}

	async #measure(media: LessonMedia, classroomId: string, peers: Peer[], tick: number): Promise<NetworkQuality | null> {
		let sendBitrate = 0;
		let recvBitrate = 0;
		let loss = 0;
		let score: number | null = null;
		let streams = 0;
		const seeScore = (s: number | null) => {
			if (s === null) return;
			streams++;
			score = score === null ? s : Math.min(score, s);
		};
		for (const peer of peers) {
			for (const transportId of peer.transports.keys()) {
				this.statsCalls++;
				const stats = await media.transportStats(transportId);
				if (!stats) continue;
				sendBitrate += stats.sendBitrate;
				recvBitrate += stats.recvBitrate;
				loss = Math.max(loss, stats.lossSent ?? 0, stats.lossReceived ?? 0);
			}
			for (const track of peer.tracks.values()) seeScore(media.producerScore(track.producerId));
			for (const consumer of peer.consumers.values()) seeScore(media.consumerScore(consumer.id));
		}
		let probe = this.#probes.get(classroomId);
		if (!probe || tick % PROBE_EVERY_SAMPLES === 0) {
			probe = await this.#probe(media, peers);
			this.#probes.set(classroomId, probe);
		}
		loss = Math.max(loss, probe.loss);
		if (streams === 0 && sendBitrate === 0 && recvBitrate === 0) return null;
		return {
			classroomId,
			sendBitrate: Math.round(sendBitrate),
			recvBitrate: Math.round(recvBitrate),
			lossFraction: Math.round(loss * 1000) / 1000,
			rttMs: probe.rttMs === null ? null : Math.round(probe.rttMs),
			score,
			at: Date.now()
		};
	}

	/** RTT and RTCP loss from one live producer and one live consumer of the classroom (RTCP reports). */
	async #probe(media: LessonMedia, peers: Peer[]): Promise<Probe> {
		let rtt: number | null = null;
		let loss = 0;
		const seeRtt = (s: StreamStats) => {
			if (typeof s.roundTripTime === 'number' && s.roundTripTime > 0) rtt = Math.max(rtt ?? 0, s.roundTripTime);
		};
		const producerId = peers.flatMap((p) => [...p.tracks.values()]).find((t) => media.producerScore(t.producerId) !== null)?.producerId;
		if (producerId) {
			this.statsCalls++;
			const stats = (await media.producerStats(producerId)) ?? [];
			// A simulcast producer has a stream per layer; an idle layer keeps a stale loss figure.
			let busiest: StreamStats | undefined;
			for (const s of stats) {
				if ((s.bitrate ?? 0) >= (busiest?.bitrate ?? -1)) busiest = s;
				seeRtt(s);
			}
			loss = Math.max(loss, (busiest?.fractionLost ?? 0) / 256);
		}
		const consumers = peers.flatMap((p) => [...p.consumers.values()]);
		const consumer = consumers.find((c) => media.consumerScore(c.id) !== null && c.type !== 'simple') ?? consumers.find((c) => media.consumerScore(c.id) !== null);
		if (consumer) {
			this.statsCalls++;
			const stats = await media.consumerStats(consumer.id);
			for (const s of stats?.streams.filter((x) => x.type === 'outbound-rtp') ?? []) {
				loss = Math.max(loss, (s.fractionLost ?? 0) / 256);
				seeRtt(s);
			}
		}
		return { rttMs: rtt, loss };
	}
}

/** Changed enough to show differently: score, loss to 0.5 %, RTT to 20 ms, a bitrate by 15 % (and 16 kbit/s). */
export function changedEnough(p: NetworkQuality, q: NetworkQuality): boolean {
	const rel = (a: number, b: number) => Math.abs(a - b) > 0.15 * Math.max(a, b) && Math.abs(a - b) > 16_000;
	return (
		p.score !== q.score ||
		Math.abs(p.lossFraction - q.lossFraction) >= 0.005 ||
		(p.rttMs === null) !== (q.rttMs === null) ||
		Math.abs((p.rttMs ?? 0) - (q.rttMs ?? 0)) >= 20 ||
		rel(p.sendBitrate, q.sendBitrate) ||
		rel(p.recvBitrate, q.recvBitrate)
	);
}
