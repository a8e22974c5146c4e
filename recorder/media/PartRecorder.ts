import { EventEmitter } from 'node:events';
import { access, constants, mkdir, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { Producer, Router } from '../../sfu/types.ts';
import { RecorderError } from './errors.ts';
import { moduleLogger } from '../../core/logger.ts';
import { writePartFile } from './partFile.ts';
import { TrackRecorder, assertTrackMatches } from './TrackRecorder.ts';
import type { PartFile, PartRecorderEvents, PartRecorderOptions, PartSummary, RecordedTrack, RecorderTrackStats } from './types.ts';

const log = moduleLogger('recorder:part');

const DEFAULT_SEGMENT_SECONDS = 4;
const DEFAULT_MIN_FREE_BYTES = 200 * 1024 * 1024;
const DISK_CHECK_MS = 2000;
const PART_FILE_DEBOUNCE_MS = 250;

/**
 * One part of a lesson's recording (from a start to a stop): every recorded producer's track, and
 * part.json kept current on disk so that recoverPart can rebuild the part after a server crash.
 * Media time 0 of the part is `startedAt`.
 */
export class PartRecorder extends EventEmitter<PartRecorderEvents> {
	static #active = 0;
	readonly startedAt: number;
	readonly #router: Router;
	readonly #options: Required<PartRecorderOptions>;
	readonly #tracks = new Map<string, TrackRecorder>();
	readonly #pending = new Map<string, Promise<void>>();
	readonly #removing = new Map<string, Promise<void>>();
	#stopped: Promise<PartSummary> | null = null;
	#stoppedAt: number | null = null;
	#diskTimer: NodeJS.Timeout;
	#diskLow = false;
	#writeTimer: NodeJS.Timeout | null = null;
	#writing: Promise<void> = Promise.resolve();

	private constructor(router: Router, options: Required<PartRecorderOptions>, startedAt: number) {
		super();
		this.#router = router;
		this.#options = options;
		this.startedAt = startedAt;
		this.#diskTimer = setInterval(() => void this.#checkDisk(), DISK_CHECK_MS);
		this.#diskTimer.unref();
		PartRecorder.#active++;
	}

	/** Parts being recorded in this process. */
	static get active(): number {
		return PartRecorder.#active;
	}

	static async start(router: Router, options: PartRecorderOptions): Promise<PartRecorder> {
		const startedAt = Date.now();
		if (router.closed) throw new RecorderError('closed', 'router is closed');
		if (!Number.isInteger(options.index) || options.index < 0) throw new RecorderError('invalid', `part index must be a whole number ≥ 0, got ${options.index}`);
		const segmentSeconds = options.segmentSeconds ?? DEFAULT_SEGMENT_SECONDS;
		if (!(segmentSeconds >= 1 && segmentSeconds <= 60)) throw new RecorderError('invalid', `segmentSeconds must be within 1..60, got ${segmentSeconds}`);
		const dir = path.resolve(options.dir);
		try {
			await mkdir(dir, { recursive: true });
			await access(dir, constants.W_OK);
		} catch (error) {
			throw new RecorderError('io', `cannot write the part folder ${dir}: ${(error as Error).message}`);
		}
		const resolved: Required<PartRecorderOptions> = {
			dir,
			index: options.index,
			segmentSeconds,
			minFreeBytes: options.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES,
			ffmpegPath: options.ffmpegPath ?? '/usr/bin/ffmpeg',
			listenIp: options.listenIp ?? '127.0.0.1'
		};
		try {
			await access(resolved.ffmpegPath, constants.X_OK);
		} catch {
			throw new RecorderError('invalid', `no ffmpeg at ${resolved.ffmpegPath}`);
		}
		const recorder = new PartRecorder(router, resolved, startedAt);
		try {
			await writePartFile(dir, recorder.#partFile());
		} catch (error) {
			recorder.#dispose();
			throw new RecorderError('io', `cannot write the part folder ${dir}: ${(error as Error).message}`);
		}
		// Not awaited: the caller attaches its 'diskLow' listener before the first answer comes.
		void recorder.#checkDisk();
		log.info({ dir, index: options.index }, 'recording part started');
		return recorder;
	}

	get dir(): string {
		return this.#options.dir;
	}

	get stopped(): boolean {
		return this.#stopped !== null;
	}

	/** Starts recording a producer of this part's router. Calling it again for the same producer does nothing. */
	addTrack(producer: Producer, track: RecordedTrack): Promise<void> {
		if (this.#stopped) return Promise.reject(new RecorderError('closed', 'the part is stopped'));
		try {
			assertTrackMatches(producer, track);
		} catch (error) {
			return Promise.reject(error);
		}
		if (producer.closed) return Promise.reject(new RecorderError('invalid', `producer ${producer.id} is closed`));
		if (!this.#router.canConsume({ producerId: producer.id, rtpCapabilities: this.#router.rtpCapabilities })) {
			return Promise.reject(new RecorderError('not_found', `producer ${producer.id} is not on this router`));
		}
		const existing = this.#pending.get(producer.id);
		if (existing) return existing;
		if (this.#tracks.has(producer.id)) return Promise.resolve();
		const adding = this.#addTrack(producer, track).finally(() => this.#pending.delete(producer.id));
		this.#pending.set(producer.id, adding);
		return adding;
	}

	/** Stops recording a producer (it closed or was unpublished); its segments stay in the part. */
	async removeTrack(producerId: string): Promise<void> {
		await this.#pending.get(producerId)?.catch(() => undefined);
		const track = this.#tracks.get(producerId);
		if (!track) throw new RecorderError('not_found', `producer ${producerId} is not recorded in this part`);
		let removing = this.#removing.get(producerId);
		if (!removing) {
			removing = track.stop('removed').then(() => this.#scheduleWrite());
			this.#removing.set(producerId, removing);
		}
		await removing;
	}

	/** Ends the part: every ffmpeg closes its segments; the summary is what finaliseMedia takes. */
	stop(): Promise<PartSummary> {
		if (!this.#stopped) {
			this.#stoppedAt = Date.now();
			this.#stopped = this.#stop();
		}
		return this.#stopped;
	}

	stats(): RecorderTrackStats[] {
		return [...this.#tracks.values()].map((t) => ({
			producerId: t.producerId,
			kind: t.summary.kind,
			source: t.summary.source,
			pid: t.pid,
			runs: t.summary.runs.length,
			packetsSeen: t.packetsSeen
		}));
	}

	async #addTrack(producer: Producer, track: RecordedTrack): Promise<void> {
		const recorder = await TrackRecorder.create(this.#router, producer, track, {
			partDir: this.#options.dir,
			ip: this.#options.listenIp,
			ffmpegPath: this.#options.ffmpegPath,
			segmentSeconds: this.#options.segmentSeconds
		});
		if (this.#stopped) {
			await recorder.stop('stop');
			throw new RecorderError('closed', 'the part stopped while the track was being added');
		}
		this.#tracks.set(producer.id, recorder);
		recorder.on('changed', () => this.#scheduleWrite());
		recorder.on('fault', (fault) => this.emit('fault', fault));
		recorder.on('failed', (failure) => this.emit('trackFailed', failure));
		recorder.on('gone', () => {
			if (!this.#stopped) void this.removeTrack(producer.id).catch(() => undefined);
		});
		this.#scheduleWrite();
		log.info({ producerId: producer.id, source: track.source, role: track.role }, 'track recorded');
	}

	async #stop(): Promise<PartSummary> {
		clearInterval(this.#diskTimer);
		await Promise.allSettled(this.#pending.values());
		await Promise.all([...this.#tracks.values()].map((t) => t.stop('stop')));
		if (this.#writeTimer) clearTimeout(this.#writeTimer);
		this.#writeTimer = null;
		await this.#writing;
		const file = this.#partFile();
		await writePartFile(this.#options.dir, file).catch((error: Error) => log.error({ err: error.message }, 'cannot write part.json'));
		this.#dispose();
		log.info({ dir: this.#options.dir, tracks: file.tracks.length, ms: this.#stoppedAt! - this.startedAt }, 'recording part stopped');
		return { ...file, stoppedAt: this.#stoppedAt! };
	}

	#partFile(): PartFile {
		return {
			index: this.#options.index,
			startedAt: this.startedAt,
			stoppedAt: this.#stoppedAt,
			dir: this.#options.dir,
			recovered: false,
			segmentSeconds: this.#options.segmentSeconds,
			tracks: [...this.#tracks.values()].map((t) => structuredClone(t.summary))
		};
	}

	#scheduleWrite(): void {
		if (this.#writeTimer || this.#stoppedAt !== null) return;
		this.#writeTimer = setTimeout(() => {
			this.#writeTimer = null;
			const file = this.#partFile();
			this.#writing = this.#writing
				.then(() => writePartFile(this.#options.dir, file))
				.catch((error: Error) => log.error({ err: error.message }, 'cannot write part.json'));
		}, PART_FILE_DEBOUNCE_MS);
	}

	async #checkDisk(): Promise<void> {
		let freeBytes: number;
		try {
			const stats = await statfs(this.#options.dir);
			freeBytes = Number(stats.bavail) * Number(stats.bsize);
		} catch {
			return;
		}
		const low = freeBytes < this.#options.minFreeBytes;
		if (low && !this.#diskLow) {
			log.warn({ freeBytes, minFreeBytes: this.#options.minFreeBytes }, 'disk nearly full');
			this.emit('diskLow', { freeBytes });
		}
		this.#diskLow = low;
	}

	#dispose(): void {
		clearInterval(this.#diskTimer);
		PartRecorder.#active = Math.max(0, PartRecorder.#active - 1);
	}
}
