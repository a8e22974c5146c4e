import { mkdir } from 'node:fs/promises';
import type { Producer } from '../sfu/types.ts';
import { SYSTEM_ACTOR, type EventActor, type EventBus } from '../core/EventBus.ts';
import {
	boardOfView,
	RECORDING_MANIFEST_VERSION,
	type ClassroomEvent,
	type PublishedTrack,
	type RecordingManifest,
	type RecordingNote,
	type RecordingPart,
	type RecordingStatus,
	type RecordingStopReason,
	type TimelineEntry
} from '../protocol/index.ts';
import { BoardSnapshots } from './BoardSnapshots.ts';
import { freeBytes } from './diskSpace.ts';
import { RecordingError } from './errors.ts';
import { JsonLinesWriter } from './JsonLinesWriter.ts';
import type { LibraryIndex } from './LibraryIndex.ts';
import { moduleLogger } from '../core/logger.ts';
import { PartRecorder, recoverPart, type PartSummary, type RecordedTrack } from './media/index.ts';
import { mediaTimeIn, partsDurationMs } from './mediaTime.ts';
import type { PackageStore } from './PackageStore.ts';
import type { BoardSource, LessonDirectory, RecordedLesson } from './types.ts';

const log = moduleLogger('recorder:lesson');

export interface EngineOptions {
	segmentSeconds?: number;
	minFreeBytes: number;
	ffmpegPath?: string;
}

export interface LessonRecordingDeps {
	packages: PackageStore;
	library: LibraryIndex;
	bus: EventBus;
	boards: BoardSource;
	directory: LessonDirectory;
	engine: EngineOptions;
}

interface LivePart {
	meta: RecordingPart;
	recorder: PartRecorder;
	lesson: RecordedLesson;
	/** Producers being recorded. */
	producers: Set<string>;
}

/** The tracks a recording keeps: the teacher's mic, camera and screen; every room's and assistant's mic. */
export function isRecordedTrack(track: PublishedTrack): boolean {
	if (track.role === 'teacher') return true;
	return (track.role === 'classroom' || track.role === 'assistant') && track.source === 'mic';
}

/**
 * One lesson's package while this process runs: starts and stops parts (media/PartRecorder.ts does the
 * media), follows producers as they come and go, writes the timeline and board snapshots, and owns
 * every write of the manifest (the finaliser changes it through `update`).
 */
export class LessonRecording {
	readonly lessonId: string;
	readonly #deps: LessonRecordingDeps;
	#manifest: RecordingManifest | null;
	#summaries: PartSummary[];
	#part: LivePart | null = null;
	#state: RecordingStatus['state'] = 'off';
	#warning: RecordingStatus['warning'] = null;
	#serial: Promise<unknown> = Promise.resolve();
	#manifestWrites: Promise<void> = Promise.resolve();
	readonly #timeline: JsonLinesWriter;
	readonly #boards: BoardSnapshots;

	private constructor(lessonId: string, deps: LessonRecordingDeps, manifest: RecordingManifest | null, summaries: PartSummary[]) {
		this.lessonId = lessonId;
		this.#deps = deps;
		this.#manifest = manifest;
		this.#summaries = summaries;
		this.#timeline = new JsonLinesWriter(deps.packages.timelineFile(lessonId));
		this.#boards = new BoardSnapshots(lessonId, deps.boards, new JsonLinesWriter(deps.packages.boardsFile(lessonId)), (at) =>
			this.#part ? mediaTimeIn(this.#part.meta, at) : null
		);
	}

	static async load(lessonId: string, deps: LessonRecordingDeps): Promise<LessonRecording> {
		const [manifest, summaries] = await Promise.all([deps.packages.readManifest(lessonId), deps.packages.readParts(lessonId)]);
		return new LessonRecording(lessonId, deps, manifest, summaries);
	}

	get manifest(): RecordingManifest | null {
		return this.#manifest && structuredClone(this.#manifest);
	}

	get summaries(): PartSummary[] {
		return [...this.#summaries];
	}

	get recording(): boolean {
		return this.#state !== 'off';
	}

	status(auto: boolean): RecordingStatus {
		return { state: this.#state, since: this.#part?.meta.startedAt ?? null, auto, warning: this.#warning };
	}

	/** Changes the manifest and writes it (atomically, writes in order) and its library row. */
	async update(change: (manifest: RecordingManifest) => void): Promise<RecordingManifest> {
		const manifest = this.#manifest;
		if (!manifest) throw new RecordingError('not_found', 'this lesson has no recording');
		change(manifest);
		const copy = structuredClone(manifest);
		const write = this.#manifestWrites.then(async () => {
			await this.#deps.packages.writeManifest(copy);
			await this.#deps.library.put(copy);
		});
		this.#manifestWrites = write.catch((error: Error) => log.error({ lessonId: this.lessonId, err: error.message }, 'manifest write failed'));
		await write;
		return copy;
	}

	start(lesson: RecordedLesson, by: EventActor | null): Promise<void> {
		return this.#queue(() => this.#start(lesson, by));
	}

	stop(reason: RecordingStopReason, by: EventActor | null = null): Promise<void> {
		return this.#queue(() => this.#stop(reason, by));
	}

	/** Parts the server left open (it stopped without closing them) are closed from what is on disk. */
	recoverOpenParts(): Promise<number> {
		return this.#queue(async () => {
			const manifest = this.#manifest;
			if (!manifest || this.#part) return 0;
			let recovered = 0;
			for (const part of manifest.parts) {
				if (part.stoppedAt !== null) continue;
				const summary = await recoverPart(this.#deps.packages.partDir(this.lessonId, part.index)).catch((error: Error) => {
					log.error({ lessonId: this.lessonId, part: part.index, err: error.message }, 'part recovery failed');
					return null;
				});
				const stoppedAt = summary ? Math.max(summary.stoppedAt, part.startedAt) : part.startedAt;
				if (summary) this.#summaries = [...this.#summaries.filter((s) => s.index !== part.index), summary];
				await this.update((m) => {
					const p = m.parts.find((x) => x.index === part.index);
					if (p) p.stoppedAt = stoppedAt;
					m.durationMs = partsDurationMs(m.parts);
					m.notes.push({
						at: Date.now(),
						kind: 'server_restart',
						mediaMs: mediaTimeIn(part, stoppedAt),
						gapMs: null,
						message: summary ? `the server stopped while part ${part.index} was recorded; kept up to its last segment` : `the server stopped while part ${part.index} was recorded; nothing of it could be read`
					});
				});
				recovered++;
			}
			await this.#deps.packages.writeParts(this.lessonId, this.#summaries);
			return recovered;
		});
	}

	/** Every ClassroomEvent of this lesson (the service routes them here). */
	onEvent(event: ClassroomEvent): void {
		const part = this.#part;
		if (!part || this.#state !== 'recording' || event.at < part.meta.startedAt) return;
		const mediaMs = mediaTimeIn(part.meta, event.at);
		this.#append({ kind: 'event', mediaMs, event });
		switch (event.type) {
			case 'media.published':
				this.#queue(() => this.#follow(part, event.data.producerId)).catch((error: Error) => log.error({ lessonId: this.lessonId, err: error.message }, 'track not followed'));
				break;
			case 'media.unpublished':
				if (part.producers.has(event.data.producerId)) this.#queue(() => this.#unfollow(part, event.data.producerId)).catch((error: Error) => log.error({ lessonId: this.lessonId, err: error.message }, 'track not unfollowed'));
				break;
			case 'chat.sent':
			case 'question.asked':
				this.#append({
					kind: 'chat',
					mediaMs,
					messageId: event.data.messageId,
					from: event.data.displayName,
					role: event.role === 'system' ? 'teacher' : event.role,
					classroomId: event.classroomId,
					channel: event.type === 'question.asked' ? 'question' : 'chat',
					text: event.data.text
				});
				break;
			case 'poll.closed':
			case 'poll.revealed':
				this.#append({ kind: 'pollResults', mediaMs, pollId: event.data.pollId, results: event.data.results });
				break;
			case 'board.changed':
				// The batch's event comes when its window closes: the drawing began windowMs before.
				this.#boards.take(event.data.boardId, event.at - event.data.windowMs);
				break;
			case 'board.cleared':
				this.#boards.take(event.data.boardId, event.at);
				break;
			case 'slide.shown':
				if (event.data.boardId) this.#boards.take(event.data.boardId, event.at);
				break;
			case 'media.reset':
				// The router (and every transport into ffmpeg) went with its worker: this part ends here.
				this.stop('failed').catch((error: Error) => log.error({ lessonId: this.lessonId, err: error.message }, 'recording did not stop after the media reset'));
				break;
			default:
				break;
		}
	}

	async #start(lesson: RecordedLesson, by: EventActor | null): Promise<void> {
		if (this.#state !== 'off') throw new RecordingError('conflict', 'the lesson is being recorded already');
		const record = this.#deps.directory.lesson(this.lessonId);
		if (record?.status === 'ended') throw new RecordingError('conflict', 'this lesson has ended');
		const { packages } = this.#deps;
		await packages.open();
		const free = await freeBytes(packages.root);
		if (free < this.#deps.engine.minFreeBytes) {
			this.#warning = 'disk_low';
			lesson.changed();
			throw new RecordingError('unavailable', `the server's disk is nearly full (${Math.round(free / 1048576)} MiB free); recording cannot start`);
		}
		if (!this.#manifest) this.#manifest = this.#newManifest(lesson);
		const index = this.#manifest.parts.length;
		const dir = packages.partDir(this.lessonId, index);
		await mkdir(dir, { recursive: true });
		const media = await lesson.media();
		const { segmentSeconds, minFreeBytes, ffmpegPath } = this.#deps.engine;
		let recorder: PartRecorder;
		try {
			recorder = await PartRecorder.start(media.router, { dir, index, segmentSeconds, minFreeBytes, ffmpegPath });
		} catch (error) {
			log.error({ lessonId: this.lessonId, part: index, err: (error as Error).message }, 'recording could not start');
			this.#warning = 'failed';
			lesson.changed();
			throw new RecordingError('unavailable', `the recorder could not start: ${(error as Error).message}`);
		}
		const meta: RecordingPart = { index, startedAt: recorder.startedAt, stoppedAt: null, mediaStartMs: partsDurationMs(this.#manifest.parts) };
		const part: LivePart = { meta, recorder, lesson, producers: new Set() };
		this.#part = part;
		this.#state = 'recording';
		this.#warning = null;
		this.#wire(part);
		await this.update((m) => {
			m.parts.push({ ...meta });
			m.state = 'recording';
			m.progress = 0;
			m.endedAt = null;
		});
		const surface = await lesson.storedSurface();
		this.#append({ kind: 'surface', mediaMs: meta.mediaStartMs, view: surface.view });
		const boardId = boardOfView(surface.view);
		if (boardId) this.#boards.take(boardId, meta.startedAt);
		this.#deps.bus.publish(this.lessonId, 'recording.started', by ?? SYSTEM_ACTOR, { part: index });
		lesson.changed();
		for (const track of lesson.tracks()) await this.#follow(part, track.producerId);
		log.info({ lessonId: this.lessonId, part: index, tracks: part.producers.size, by: by?.role ?? 'auto' }, 'recording started');
		lesson.changed();
	}

	async #stop(reason: RecordingStopReason, by: EventActor | null): Promise<void> {
		const part = this.#part;
		if (!part || this.#state !== 'recording') return;
		// Published while the part still records, so the stop is on its own timeline.
		this.#deps.bus.publish(this.lessonId, 'recording.stopped', by ?? SYSTEM_ACTOR, { part: part.meta.index, reason });
		this.#state = 'stopping';
		part.lesson.changed();
		let summary: PartSummary | null = null;
		try {
			summary = await part.recorder.stop();
		} catch (error) {
			log.error({ lessonId: this.lessonId, part: part.meta.index, err: (error as Error).message }, 'part did not stop cleanly; recovering it from disk');
			summary = await recoverPart(this.#deps.packages.partDir(this.lessonId, part.meta.index)).catch(() => null);
		}
		part.recorder.removeAllListeners();
		await this.#boards.settle();
		await this.#timeline.flush();
		// Without a summary finalising has nothing of this part: it takes no room on the media timeline.
		const stoppedAt = Math.max(summary?.stoppedAt ?? part.meta.startedAt, part.meta.startedAt);
		if (summary) this.#summaries = [...this.#summaries.filter((s) => s.index !== part.meta.index), summary];
		await this.#deps.packages.writeParts(this.lessonId, this.#summaries);
		const note: RecordingNote | null =
			reason === 'disk_low' || reason === 'failed'
				? {
						at: Date.now(),
						kind: reason === 'disk_low' ? 'disk_low' : 'track_failed',
						mediaMs: mediaTimeIn(part.meta, stoppedAt),
						gapMs: null,
						message: reason === 'disk_low' ? 'recording stopped: the disk was nearly full' : 'recording stopped: the lesson lost its media router'
					}
				: null;
		await this.update((m) => {
			const p = m.parts.find((x) => x.index === part.meta.index);
			if (p) p.stoppedAt = stoppedAt;
			m.durationMs = partsDurationMs(m.parts);
			if (note) m.notes.push(note);
		});
		this.#part = null;
		this.#state = 'off';
		this.#warning = reason === 'disk_low' ? 'disk_low' : reason === 'failed' ? 'failed' : null;
		log.info({ lessonId: this.lessonId, part: part.meta.index, reason, ms: stoppedAt - part.meta.startedAt }, 'recording stopped');
		part.lesson.changed();
	}

	#wire(part: LivePart): void {
		part.recorder.on('fault', (fault) => {
			if (this.#part !== part) return;
			log.warn({ lessonId: this.lessonId, producerId: fault.producerId, gapMs: fault.gapMs, message: fault.message }, 'ffmpeg restarted: the track has a gap');
			void this.update((m) =>
				m.notes.push({ at: fault.at, kind: 'ffmpeg_restart', mediaMs: mediaTimeIn(part.meta, fault.at), gapMs: fault.gapMs, message: fault.message.slice(0, 500) })
			).catch(() => undefined);
			this.#deps.bus.publish(this.lessonId, 'recording.fault', SYSTEM_ACTOR, { producerId: fault.producerId, gapMs: Math.max(0, fault.gapMs) });
		});
		part.recorder.on('diskLow', ({ freeBytes: free }) => {
			if (this.#part !== part) return;
			log.warn({ lessonId: this.lessonId, freeBytes: free }, 'disk nearly full: recording stops, the lesson goes on');
			this.stop('disk_low').catch((error: Error) => log.error({ lessonId: this.lessonId, err: error.message }, 'recording did not stop on a full disk'));
		});
		part.recorder.on('trackFailed', ({ producerId, message }) => {
			if (this.#part !== part) return;
			part.producers.delete(producerId);
			log.error({ lessonId: this.lessonId, producerId, message }, 'a track could not be recorded any more');
			void this.update((m) =>
				m.notes.push({ at: Date.now(), kind: 'track_failed', mediaMs: mediaTimeIn(part.meta, Date.now()), gapMs: null, message: message.slice(0, 500) })
			).catch(() => undefined);
		});
	}

	/** Records a producer of the lesson if it is one the recording keeps. */
	async #follow(part: LivePart, producerId: string): Promise<void> {
		if (this.#part !== part || this.#state !== 'recording' || part.producers.has(producerId)) return;
		const track = part.lesson.tracks().find((t) => t.producerId === producerId);
		if (!track || !isRecordedTrack(track)) return;
		const media = await part.lesson.media();
		const producer: Producer | undefined = media.producers.get(producerId);
		if (!producer || producer.closed) return;
		const recorded: RecordedTrack = {
			producerId,
			kind: track.kind,
			source: track.source,
			participantId: track.participantId,
			role: track.role,
			classroomId: track.classroomId
		};
		try {
			await part.recorder.addTrack(producer, recorded);
			part.producers.add(producerId);
		} catch (error) {
			log.error({ lessonId: this.lessonId, producerId, source: track.source, err: (error as Error).message }, 'track not recorded');
		}
	}

	async #unfollow(part: LivePart, producerId: string): Promise<void> {
		if (this.#part !== part || !part.producers.delete(producerId)) return;
		await part.recorder.removeTrack(producerId).catch((error: Error) => log.warn({ lessonId: this.lessonId, producerId, err: error.message }, 'removeTrack failed'));
	}

	#append(entry: TimelineEntry): void {
		this.#timeline.append(entry);
	}

	#newManifest(lesson: RecordedLesson): RecordingManifest {
		return {
			schemaVersion: RECORDING_MANIFEST_VERSION,
			lessonId: this.lessonId,
			title: lesson.record.title,
			teacherName: lesson.record.teacherName,
			classrooms: lesson.classrooms.map((c) => ({ id: c.id, name: c.name })),
			state: 'recording',
			progress: 0,
			createdAt: Date.now(),
			endedAt: null,
			durationMs: 0,
			parts: [],
			media: null,
			decks: [],
			bytes: 0,
			notes: []
		};
	}

	#queue<T>(task: () => Promise<T>): Promise<T> {
		const run = this.#serial.then(task, task);
		this.#serial = run.catch(() => undefined);
		return run;
	}
}
