import { EventEmitter } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MediaTap, SfuError, freeRtpPortPair, rtpSdp, waitUntilBound } from '../../sfu/index.ts';
import type { Producer, Router } from '../../sfu/types.ts';
import { FfmpegCapture, spawned } from './FfmpegCapture.ts';
import { RecorderError } from './errors.ts';
import { moduleLogger } from '../../core/logger.ts';
import { ffprobePathFor } from './probe.ts';
import { runClock } from './runClock.ts';
import { readRunSegments } from './runSegments.ts';
import type { RecordedTrack, RunSummary, TrackFault, TrackSummary } from './types.ts';

/** How long a new ffmpeg may take to listen for its track before the track counts as failed. */
const FFMPEG_LISTEN_TIMEOUT_MS = 15_000;
/** When a video track asks for its second key frame after the first packet. */
const KEY_FRAME_RETRY_MS = 1000;

const log = moduleLogger('recorder:track');

/** A new anchor (server time ↔ RTP timestamp) this often, so long recordings follow clock drift. */
const ANCHOR_INTERVAL_MS = 10_000;
/** ffmpeg dying this many times within the window means something is wrong beyond a restart. */
const MAX_CRASHES = 5;
const CRASH_WINDOW_MS = 30_000;

export interface TrackRecorderOptions {
	partDir: string;
	ip: string;
	ffmpegPath: string;
	segmentSeconds: number;
}

export interface TrackRecorderEvents {
	fault: [TrackFault];
	failed: [{ producerId: string; message: string }];
	/** The producer or its router went away: the part should remove this track. */
	gone: [];
	/** The summary changed (a run began, a first packet, an anchor): part.json should be rewritten. */
	changed: [];
}

/** Offset from the worker's monotonic clock (trace timestamps, ms) to server time. */
function monotonicToEpochOffset(): number {
	return Date.now() - Number(process.hrtime.bigint() / 1_000_000n);
}

/**
 * Records one producer: a PlainTransport consumer sending to one ffmpeg process that copies the RTP
 * into WebM segments. Every ffmpeg life is a run; a crash starts the next run at once on the same
 * port (the consumer is paused meanwhile, so the new ffmpeg's first packet is a fresh key frame).
 */
export class TrackRecorder extends EventEmitter<TrackRecorderEvents> {
	readonly summary: TrackSummary;
	readonly #tap: MediaTap;
	readonly #options: TrackRecorderOptions;
	readonly #folder: string;
	readonly #port: number;
	#capture: FfmpegCapture | null = null;
	#run: RunSummary | null = null;
	#tracing: 'first' | 'anchor' | null = null;
	#keyFrameTimer: NodeJS.Timeout | null = null;
	#anchorTimer: NodeJS.Timeout | null = null;
	#stopping = false;
	#crashes: number[] = [];
	#pendingFault: { at: number; message: string; run: RunSummary } | null = null;
	#restarting: Promise<void> | null = null;
	/** A run is being set up: if its ffmpeg dies now, #startRun fails (and its caller decides). */
	#starting = false;

	private constructor(track: RecordedTrack, tap: MediaTap, port: number, folder: string, options: TrackRecorderOptions) {
		super();
		this.#tap = tap;
		this.#port = port;
		this.#folder = folder;
		this.#options = options;
		const clockRate = tap.rtpParameters.codecs[0]?.clockRate ?? (track.kind === 'audio' ? 48000 : 90000);
		this.summary = { ...track, clockRate, runs: [] };
		tap.on('packetSent', (rtpTimestamp, sentAtMonotonicMs) => this.#onPacketSent(rtpTimestamp, sentAtMonotonicMs));
		tap.on('gone', () => this.emit('gone'));
	}

	static async create(router: Router, producer: Producer, track: RecordedTrack, options: TrackRecorderOptions): Promise<TrackRecorder> {
		const tap = await MediaTap.open(router, producer, { ip: options.ip, port: () => freeRtpPortPair(options.ip) });
		const { port } = tap;
		try {
			const folder = `tr-${producer.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
			await mkdir(path.join(options.partDir, folder), { recursive: true });
			await writeFile(path.join(options.partDir, folder, 'track.sdp'), rtpSdp(track.kind, tap.rtpParameters, options.ip, port));
			const recorder = new TrackRecorder(track, tap, port, folder, options);
			await recorder.#startRun();
			return recorder;
		} catch (error) {
			tap.close();
			throw error;
		}
	}

	get producerId(): string {
		return this.summary.producerId;
	}

	get pid(): number | null {
		return this.#capture?.alive ? this.#capture.pid : null;
	}

	get packetsSeen(): boolean {
		return this.#run?.firstPacketAt != null;
	}

	/** Ends recording: ffmpeg closes its last segment, then the consumer goes; the runs get their segments. */
	async stop(reason: 'stop' | 'removed'): Promise<TrackSummary> {
		if (!this.#stopping) {
			this.#stopping = true;
			this.#clearTimers();
			await this.#restarting?.catch(() => undefined);
			const run = this.#run;
			if (run && run.endedBy === null) {
				run.endedBy = reason;
				run.endedAt = Date.now();
			}
			// A removed producer sends nothing more, and ffmpeg only sees SIGINT between packets: do not
			// wait long for a clean close; every flushed cluster is on disk already.
			await this.#capture?.stop(reason === 'removed' ? 1000 : undefined);
			this.#tap.close();
			const probe = ffprobePathFor(this.#options.ffmpegPath);
			for (const r of this.summary.runs) r.segments = await readRunSegments(path.join(this.#options.partDir, r.folder), probe);
		}
		return this.summary;
	}

	async #startRun(): Promise<void> {
		const index = this.summary.runs.length;
		const folder = `${this.#folder}/run-${String(index).padStart(3, '0')}`;
		const dir = path.join(this.#options.partDir, folder);
		await mkdir(dir, { recursive: true });
		const capture = FfmpegCapture.spawn({
			ffmpegPath: this.#options.ffmpegPath,
			sdpFile: path.join(this.#options.partDir, this.#folder, 'track.sdp'),
			dir,
			segmentSeconds: this.#options.segmentSeconds
		});
		this.#starting = true;
		try {
			await spawned(capture);
			await this.#setUpRun(capture, index, folder);
		} catch (error) {
			await capture.stop(500);
			throw error;
		} finally {
			this.#starting = false;
		}
		log.info({ producerId: this.producerId, run: index, pid: capture.pid, port: this.#port }, 'recording run started');
	}

	async #setUpRun(capture: FfmpegCapture, index: number, folder: string): Promise<void> {
		const run: RunSummary = {
			index,
			folder,
			spawnedAt: Date.now(),
			pid: capture.pid,
			firstPacketAt: null,
			baseRtpTimestamp: null,
			anchors: [],
			endedBy: null,
			endedAt: null,
			segments: []
		};
		this.#capture = capture;
		this.#run = run;
		this.summary.runs.push(run);
		this.emit('changed');
		capture.once('exit', (info) => this.#onExit(run, info));
		// Generous: on a loaded machine ffmpeg can take seconds to start, and a track not listened to is lost.
		await waitUntilBound(this.#options.ip, this.#port, FFMPEG_LISTEN_TIMEOUT_MS, () => capture.alive).catch(async (error: unknown) => {
			if (!capture.alive) await capture.exited();
			const stderr = capture.stderr.trim();
			if (!(error instanceof SfuError)) throw error;
			throw new RecorderError('ffmpeg', stderr ? `ffmpeg: ${error.message}: ${stderr.slice(-500)}` : `ffmpeg: ${error.message}`);
		});
		// Trace before resuming: the first packet sent after the resume is ffmpeg's timestamp 0.
		this.#tracing = 'first';
		await this.#tap.traceSentPackets(true);
		await this.#tap.resume();
		if (this.summary.kind === 'video') await this.#tap.requestKeyFrame();
	}

	#onPacketSent(rtpTimestamp: number, sentAtMonotonicMs: number): void {
		if (!this.#tracing) return;
		const run = this.#run;
		if (!run) return;
		// The worker stamps the trace with its monotonic clock when it sent the packet; that is
		// closer to the truth than when the notification reached us.
		const now = Date.now();
		const sent = sentAtMonotonicMs + monotonicToEpochOffset();
		const at = Math.abs(sent - now) < 1000 ? Math.min(sent, now) : now;
		const purpose = this.#tracing;
		this.#tracing = null;
		void this.#tap.traceSentPackets(false).catch(() => undefined);
		run.anchors.push({ at, rtpTimestamp });
		if (purpose === 'first') {
			run.firstPacketAt = at;
			run.baseRtpTimestamp = rtpTimestamp;
			this.#onFirstPacket(run);
		}
		this.emit('changed');
	}

	#onFirstPacket(run: RunSummary): void {
		this.#clearTimers();
		if (this.summary.kind === 'video') {
			// ffmpeg cuts a segment only on a key frame, and asks for none itself. A browser's encoder
			// may pass over the request made at resume (it just sent a key frame to another viewer), so
			// ask once more soon, then every segment.
			const ask = () => void this.#tap.requestKeyFrame().catch(() => undefined);
			this.#keyFrameTimer = setTimeout(() => {
				ask();
				this.#keyFrameTimer = setInterval(ask, this.#options.segmentSeconds * 1000);
			}, KEY_FRAME_RETRY_MS);
		}
		this.#anchorTimer = setInterval(() => {
			if (this.#tracing || this.#stopping) return;
			this.#tracing = 'anchor';
			void this.#tap.traceSentPackets(true).catch(() => undefined);
		}, ANCHOR_INTERVAL_MS);
		const fault = this.#pendingFault;
		if (fault) {
			this.#pendingFault = null;
			this.#reportFault(fault, run).catch((error: Error) => log.error({ producerId: this.producerId, err: error.message }, 'fault not reported'));
		}
	}

	async #reportFault(fault: { at: number; message: string; run: RunSummary }, next: RunSummary): Promise<void> {
		const segments = await readRunSegments(path.join(this.#options.partDir, fault.run.folder), ffprobePathFor(this.#options.ffmpegPath));
		const clock = runClock(fault.run, this.summary.clockRate);
		const last = segments.at(-1);
		const lastWrittenAt = clock && last ? clock(last.endSec) : fault.at;
		const gapMs = Math.max(0, Math.round((next.firstPacketAt ?? Date.now()) - lastWrittenAt));
		log.warn({ producerId: this.producerId, gapMs, message: fault.message }, 'ffmpeg restarted after a crash');
		this.emit('fault', { producerId: this.producerId, at: fault.at, gapMs, message: fault.message });
	}

	#onExit(run: RunSummary, info: { code: number | null; signal: NodeJS.Signals | null; expected: boolean; stderr: string }): void {
		if (run.endedBy === null) {
			run.endedBy = 'crash';
			run.endedAt = Date.now();
		}
		this.emit('changed');
		if (info.expected || this.#stopping || this.#starting) return;
		const now = Date.now();
		const message = `ffmpeg exited (${info.signal ?? `code ${info.code}`})${info.stderr ? `: ${info.stderr.slice(-300)}` : ''}`;
		log.error({ producerId: this.producerId, run: run.index, code: info.code, signal: info.signal, stderr: info.stderr.slice(-500) }, 'recording ffmpeg died');
		this.#clearTimers();
		this.#tracing = null;
		this.#crashes = [...this.#crashes.filter((t) => now - t < CRASH_WINDOW_MS), now];
		if (this.#crashes.length >= MAX_CRASHES) {
			this.#fail(`ffmpeg died ${MAX_CRASHES} times within ${CRASH_WINDOW_MS / 1000} s; last: ${message}`);
			return;
		}
		// A crash before the run's first packet is not a gap in the media; keep the first fault pending.
		if (!this.#pendingFault) this.#pendingFault = { at: now, message, run };
		this.#restarting = this.#restart().finally(() => {
			this.#restarting = null;
		});
	}

	async #restart(): Promise<void> {
		await this.#tap.pause().catch(() => undefined);
		while (!this.#stopping) {
			try {
				await this.#startRun();
				return;
			} catch (error) {
				const now = Date.now();
				this.#crashes = [...this.#crashes.filter((t) => now - t < CRASH_WINDOW_MS), now];
				if (this.#crashes.length >= MAX_CRASHES) {
					this.#fail(`cannot restart ffmpeg: ${(error as Error).message}`);
					return;
				}
				log.warn({ producerId: this.producerId, err: (error as Error).message }, 'ffmpeg restart failed; trying again');
				await new Promise((resolve) => setTimeout(resolve, 300));
			}
		}
	}

	#fail(message: string): void {
		log.error({ producerId: this.producerId, message }, 'track recording failed');
		this.#stopping = true;
		this.#clearTimers();
		this.#tap.close();
		this.emit('failed', { producerId: this.producerId, message });
	}

	#clearTimers(): void {
		if (this.#keyFrameTimer) clearInterval(this.#keyFrameTimer);
		if (this.#anchorTimer) clearInterval(this.#anchorTimer);
		this.#keyFrameTimer = null;
		this.#anchorTimer = null;
	}
}

export function assertTrackMatches(producer: Producer, track: RecordedTrack): void {
	if (producer.id !== track.producerId) throw new RecorderError('invalid', `track describes ${track.producerId}, producer is ${producer.id}`);
	if (producer.kind !== track.kind) throw new RecorderError('invalid', `producer ${producer.id} is ${producer.kind}, track says ${track.kind}`);
	if ((track.kind === 'audio') !== (track.source === 'mic')) throw new RecorderError('invalid', `a ${track.kind} track cannot be a ${track.source}`);
}
