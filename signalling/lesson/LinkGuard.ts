import type { LessonMedia } from '../../sfu/index.ts';
import { inBackground } from '../../core/background.ts';
import { moduleLogger } from '../../core/logger.ts';
import { LinkFallback, MIN_VIDEO_BPS, type LinkMode, type LinkReading } from './LinkFallback.ts';
import type { Peer } from './Peer.ts';

const log = moduleLogger('link-guard');

export const SAMPLE_MS = 2_000;
/**
 * After a room's sample looked like a poor link (lossy and too thin for video), the next comes this
 * soon: the fallback still needs three weak samples, but a poor room gets there seconds sooner, and
 * only suspect links cost the extra stats calls.
 */
export const SUSPICIOUS_SAMPLE_MS = 1_000;

/** What the guard reads of a live lesson and how it reports a room's new mode (LessonSession has it). */
export interface GuardedLesson {
	readonly lessonId: string;
	readonly peers: ReadonlyMap<string, Peer>;
	media(): Promise<LessonMedia>;
	linkModeChanged(classroomId: string, mode: LinkMode, reading: LinkReading | null): Promise<void>;
}

interface RoomLink {
	fallback: LinkFallback;
	/** When its last sample was taken. */
	sampledAt: number;
	/** The room devices' receiving transports this state was learnt on. */
	transports: string;
}

/**
 * Watches each classroom's downlink (its room devices' receiving transports) every 2 s, 1 s while it
 * looks poor, and moves the room between video and audio + slides + board by itself (LinkFallback
 * decides). A room whose devices come back on new transports (a rejoin after an outage) starts again
 * on video. A room on video with no NACK, no lowered score and no starved layer since its last sample
 * costs no stats request beyond its transports' (LessonMedia.linkStats, `quietSince`).
 */
export class LinkGuard {
	readonly #lesson: GuardedLesson;
	readonly #rooms = new Map<string, RoomLink>();
	#timer: NodeJS.Timeout | null = null;
	#running = false;

	constructor(lesson: GuardedLesson) {
		this.#lesson = lesson;
	}

	/** Classrooms on audio + slides + board because of their link. */
	get fallbackClassroomIds(): string[] {
		return [...this.#rooms].filter(([, room]) => room.fallback.mode === 'audio').map(([id]) => id);
	}

	ensureRunning(): void {
		if (this.#running) return;
		this.#running = true;
		this.#schedule(SAMPLE_MS);
	}

	stop(): void {
		this.#running = false;
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = null;
	}

	/** When the next tick is due: sooner while a room's link looks poor (only such rooms are read then). */
	get nextSampleMs(): number {
		return [...this.#rooms.values()].some((room) => room.fallback.suspicious) ? SUSPICIOUS_SAMPLE_MS : SAMPLE_MS;
	}

	#schedule(ms: number): void {
		this.#timer = setTimeout(() => {
			this.#timer = null;
			const done = this.sample(Date.now()).finally(() => {
				if (this.#running) this.#schedule(this.nextSampleMs);
			});
			inBackground(log, 'link sample', done, { lessonId: this.#lesson.lessonId });
		}, ms);
		this.#timer.unref();
	}

	/** One sample of every room's link (the timer's tick; tests call it with readings of their own through `observe`). */
	async sample(now: number): Promise<void> {
		const byClassroom = new Map<string, Peer[]>();
		for (const peer of this.#lesson.peers.values()) {
			const cid = peer.participant.classroomId;
			if (cid && peer.participant.role === 'classroom' && peer.recvTransportId) byClassroom.set(cid, [...(byClassroom.get(cid) ?? []), peer]);
		}
		for (const classroomId of [...this.#rooms.keys()]) {
			if (!byClassroom.has(classroomId)) await this.#forget(classroomId);
		}
		if (byClassroom.size === 0) return;
		const media = await this.#lesson.media();
		for (const [classroomId, peers] of byClassroom) {
			// A sooner tick is for the rooms that look poor; the others keep their 2 s rhythm (their
			// three weak samples must still span seconds).
			const known = this.#rooms.get(classroomId);
			if (known && !known.fallback.suspicious && now - known.sampledAt < SAMPLE_MS - SUSPICIOUS_SAMPLE_MS / 2) continue;
			const transports = peers.map((p) => p.recvTransportId ?? '').sort().join(',');
			// A room on video that looked fine is read from the worker's signs (NACKs, scores, layers)
			// unless they show loss since its last sample; see LessonMedia.linkStats.
			const calm = known && known.transports === transports && known.fallback.mode === 'video' && !known.fallback.suspicious;
			const reading = await readRoom(media, peers, calm ? known.sampledAt : undefined);
			if (reading) await this.observe(classroomId, transports, reading, now);
		}
	}

	/** Feeds one room's reading to its decision; a change of mode goes to the lesson. */
	async observe(classroomId: string, transports: string, reading: LinkReading, now: number): Promise<void> {
		let room = this.#rooms.get(classroomId);
		if (room && room.transports !== transports) {
			await this.#forget(classroomId);
			room = undefined;
		}
		if (!room) {
			room = { fallback: new LinkFallback(), transports, sampledAt: now };
			this.#rooms.set(classroomId, room);
		}
		room.sampledAt = now;
		const mode = room.fallback.onSample(reading, now);
		log.debug({ lessonId: this.#lesson.lessonId, classroomId, mode: room.fallback.mode, ...reading }, 'classroom link sample');
		if (mode === null) return;
		log.info({ lessonId: this.#lesson.lessonId, classroomId, mode, ...reading }, 'classroom link mode changed');
		await this.#lesson.linkModeChanged(classroomId, mode, reading);
	}

	async #forget(classroomId: string): Promise<void> {
		const room = this.#rooms.get(classroomId);
		this.#rooms.delete(classroomId);
		if (room?.fallback.mode === 'audio') await this.#lesson.linkModeChanged(classroomId, 'video', null);
	}
}

/** The room's link as the worst of its devices' links. */
async function readRoom(media: LessonMedia, peers: Peer[], quietSince: number | undefined): Promise<LinkReading | null> {
	let reading: LinkReading | null = null;
	for (const peer of peers) {
		const transportId = peer.recvTransportId;
		if (!transportId) continue;
		const link = await media.linkStats(transportId, [...peer.consumers.values()].map((c) => c.id), { thinBelowBps: MIN_VIDEO_BPS, ...(quietSince === undefined ? {} : { quietSince }) });
		if (!link) continue;
		reading = reading
			? {
					availableBitrate: minOf(reading.availableBitrate, link.availableBitrate),
					lossFraction: Math.max(reading.lossFraction, link.lossFraction),
					hasVideo: reading.hasVideo || link.hasVideo,
					videoStarved: reading.videoStarved || link.videoStarved
				}
			: link;
	}
	return reading;
}

function minOf(a: number | null, b: number | null): number | null {
	if (a === null) return b;
	if (b === null) return a;
	return Math.min(a, b);
}
