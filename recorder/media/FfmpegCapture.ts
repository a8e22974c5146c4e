import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnTied } from '../../core/spawnTied.ts';
import { RecorderError } from './errors.ts';

export const SEGMENT_LIST = 'segments.csv';
export const SEGMENT_PATTERN = 'seg-%05d.webm';

export interface FfmpegCaptureOptions {
	ffmpegPath: string;
	sdpFile: string;
	/** The run folder the segments go to. */
	dir: string;
	segmentSeconds: number;
}

export interface FfmpegCaptureEvents {
	/** The process ended; `expected` is false for a crash (not asked to stop). */
	exit: [{ code: number | null; signal: NodeJS.Signals | null; expected: boolean; stderr: string }];
}

/**
 * One ffmpeg process copying one RTP stream (described by an SDP file) into short WebM segments,
 * with a CSV list of each finished segment's start and end. Clusters are capped at 500 ms so a
 * killed process loses at most that much of its current segment.
 */
export class FfmpegCapture extends EventEmitter<FfmpegCaptureEvents> {
	readonly #child: ChildProcess;
	#stderr = '';
	#exited = false;
	#stopping = false;
	readonly #exit: Promise<void>;

	private constructor(child: ChildProcess) {
		super();
		this.#child = child;
		child.stderr?.setEncoding('utf8');
		child.stderr?.on('data', (chunk: string) => {
			this.#stderr = (this.#stderr + chunk).slice(-4000);
		});
		this.#exit = new Promise((resolve) => {
			child.once('exit', (code, signal) => {
				this.#exited = true;
				this.emit('exit', { code, signal, expected: this.#stopping, stderr: this.#stderr.trim() });
				resolve();
			});
		});
	}

	static spawn(options: FfmpegCaptureOptions): FfmpegCapture {
		const args = [
			'-hide_banner',
			'-nostdin',
			'-loglevel', 'error',
			'-protocol_whitelist', 'file,udp,rtp',
			'-buffer_size', String(4 * 1024 * 1024),
			// Start writing as soon as the codec parameters are known. By default ffmpeg also counts 20
			// frames to guess the frame rate (RTP's 90 kHz clock counts as unreliable), which at a screen
			// share's 2-5 fps holds the first bytes back for seconds and loses a short share entirely.
			'-fpsprobesize', '0',
			'-i', options.sdpFile,
			'-map', '0',
			'-c', 'copy',
			'-f', 'segment',
			'-segment_time', String(options.segmentSeconds),
			'-segment_format', 'webm',
			// flush_packets on the inner muxer too: a low-bitrate track (a classroom mic) would otherwise sit
			// in a 32 KB buffer, and a killed ffmpeg would leave its open segment empty.
			'-segment_format_options', 'cluster_time_limit=500:flush_packets=1',
			'-reset_timestamps', '0',
			'-segment_list', path.join(options.dir, SEGMENT_LIST),
			'-segment_list_type', 'csv',
			'-flush_packets', '1',
			path.join(options.dir, SEGMENT_PATTERN)
		];
		const child = spawnTied(options.ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
		const capture = new FfmpegCapture(child);
		child.once('error', (error) => {
			capture.#stderr += `\nspawn failed: ${error.message}`;
		});
		return capture;
	}

	get pid(): number | null {
		return this.#child.pid ?? null;
	}

	get alive(): boolean {
		return !this.#exited && this.#child.exitCode === null && this.#child.signalCode === null;
	}

	get stderr(): string {
		return this.#stderr;
	}

	/** Asks ffmpeg to finish (SIGINT: it closes the current segment and the list); kills it after `graceMs`. */
	async stop(graceMs = 4000): Promise<void> {
		this.#stopping = true;
		if (!this.alive) return this.#exit;
		this.#child.kill('SIGINT');
		const done = await Promise.race([this.#exit.then(() => true), sleep(graceMs).then(() => false)]);
		if (!done) {
			this.#child.kill('SIGKILL');
			await this.#exit;
		}
	}

	/** Resolves when the process has exited. */
	exited(): Promise<void> {
		return this.#exit;
	}
}

/** Waits for a spawned process to be running (or to fail to spawn). */
export async function spawned(capture: FfmpegCapture): Promise<void> {
	if (capture.pid === null) {
		await Promise.race([once(capture, 'exit'), sleep(200)]);
		if (capture.pid === null) throw new RecorderError('ffmpeg', `cannot start ffmpeg: ${capture.stderr}`);
	}
}
