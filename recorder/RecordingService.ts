import { realpath, rm } from 'node:fs/promises';
import path from 'node:path';
import type { EventActor, EventBus } from '../core/EventBus.ts';
import {
	RECORDING_FILE_PATTERN,
	RECORDING_OFF,
	type BoardSnapshot,
	type ClassroomEvent,
	type LibraryEntry,
	type LibraryQuery,
	type RecordingManifest,
	type RecordingStatus,
	type RecordingStopReason,
	type TimelineEntry
} from '../protocol/index.ts';
import { RecordingError } from './errors.ts';
import { Finaliser } from './Finaliser.ts';
import { LessonRecording, type EngineOptions } from './LessonRecording.ts';
import { LibraryIndex } from './LibraryIndex.ts';
import { moduleLogger } from '../core/logger.ts';
import { PackageStore } from './PackageStore.ts';
import type { BoardSource, DeckSource, LessonDirectory, RecordedLesson } from './types.ts';

const log = moduleLogger('recorder');

export interface RecordingServiceDeps {
	dataDir: string;
	bus: EventBus;
	boards: BoardSource;
	decks: DeckSource;
	directory: LessonDirectory;
	engine: EngineOptions;
	/**
	 * A lesson left recoverable by a restart, and not ended, is finalised after this long unless it
	 * records again by then (nobody may come back to it to make it idle).
	 */
	resumeWindowMs: number;
}

/**
 * The recorder (ARCHITECTURE.md): one LessonRecording per lesson with a package, the finalising
 * queue, the library index, and the recovery of parts a stopped server left open. Signalling
 * drives it through LessonRecorder (start, stop, lesson end, idle); the library HTTP routes read
 * packages through it.
 */
export class RecordingService {
	readonly #deps: RecordingServiceDeps;
	readonly packages: PackageStore;
	readonly library: LibraryIndex;
	readonly #finaliser: Finaliser;
	readonly #recordings = new Map<string, Promise<LessonRecording>>();
	/** The same recordings once loaded. */
	readonly #ready = new Map<string, LessonRecording>();
	readonly #resumeTimers = new Map<string, NodeJS.Timeout>();
	readonly #onEvent = (event: ClassroomEvent) => this.#route(event);
	#closed = false;

	private constructor(deps: RecordingServiceDeps) {
		this.#deps = deps;
		this.packages = new PackageStore(deps.dataDir);
		this.library = new LibraryIndex(this.packages);
		this.#finaliser = new Finaliser({ packages: this.packages, decks: deps.decks, directory: deps.directory });
	}

	static async open(deps: RecordingServiceDeps): Promise<RecordingService> {
		const service = new RecordingService(deps);
		await service.packages.open();
		await service.library.load();
		deps.bus.on('event', service.#onEvent);
		await service.#recover();
		return service;
	}

	/** Lessons with a part being recorded on this node. */
	get activeCount(): number {
		let n = 0;
		for (const recording of this.#loaded()) if (recording.recording) n++;
		return n;
	}

	get finalisingCount(): number {
		return this.#finaliser.pending;
	}

	status(lessonId: string, auto: boolean): RecordingStatus {
		const recording = this.#loadedOne(lessonId);
		return recording ? recording.status(auto) : { ...RECORDING_OFF, auto };
	}

	async start(lesson: RecordedLesson, by: EventActor | null): Promise<void> {
		if (this.#closed) throw new RecordingError('unavailable', 'the server is shutting down');
		clearTimeout(this.#resumeTimers.get(lesson.lessonId));
		this.#resumeTimers.delete(lesson.lessonId);
		const recording = await this.#recording(lesson.lessonId);
		await recording.start(lesson, by);
	}

	async stop(lessonId: string, reason: RecordingStopReason, by: EventActor | null = null): Promise<void> {
		const recording = this.#loadedOne(lessonId);
		if (recording) await recording.stop(reason, by);
	}

	/** The lesson ended: stop, note the end, finalise. */
	async lessonEnded(lessonId: string): Promise<void> {
		const recording = this.#loadedOne(lessonId) ?? (await this.#recording(lessonId));
		await recording.stop('lesson_ended');
		if (!recording.manifest) {
			// Never recorded: nothing to keep in memory for it.
			this.#recordings.delete(lessonId);
			this.#ready.delete(lessonId);
			return;
		}
		await recording.update((m) => {
			m.endedAt = Date.now();
		});
		this.#finaliser.enqueue(recording);
	}

	/** Everyone left: stop, and finalise what was recorded so the library has it. */
	async idle(lessonId: string): Promise<void> {
		const recording = this.#loadedOne(lessonId);
		if (!recording) return;
		await recording.stop('idle');
		if (recording.manifest?.state === 'recording') this.#finaliser.enqueue(recording);
	}

	// Library (signalling/http/LibraryHttp.ts reads packages through these).

	list(query: LibraryQuery, only?: string): LibraryEntry[] {
		return this.library.query(query, only);
	}

	entry(lessonId: string): LibraryEntry | undefined {
		return this.library.get(lessonId);
	}

	async manifest(lessonId: string): Promise<RecordingManifest | null> {
		const loaded = this.#loadedOne(lessonId);
		return loaded ? loaded.manifest : this.packages.readManifest(lessonId);
	}

	timeline(lessonId: string): Promise<TimelineEntry[]> {
		return this.packages.readTimeline(lessonId);
	}

	boards(lessonId: string): Promise<BoardSnapshot[]> {
		return this.packages.readBoards(lessonId);
	}

	/** The absolute path of a package file the replay may fetch, or null (bad name, or outside the package). */
	async filePath(lessonId: string, relative: string): Promise<string | null> {
		if (!RECORDING_FILE_PATTERN.test(relative)) return null;
		const dir = this.packages.dir(lessonId);
		const full = path.join(dir, relative);
		const real = await realpath(full).catch(() => null);
		const realDir = await realpath(dir).catch(() => null);
		if (!real || !realDir || !real.startsWith(realDir + path.sep)) return null;
		return real;
	}

	/** Deletes a package (staff). Refused while it is recorded or finalised. */
	async remove(lessonId: string): Promise<boolean> {
		const loaded = this.#loadedOne(lessonId);
		if (loaded?.recording || this.#finaliser.isQueued(lessonId)) {
			throw new RecordingError('conflict', 'this lesson is still being recorded or finalised');
		}
		const exists = !!this.library.get(lessonId) || !!(await this.packages.readManifest(lessonId));
		if (!exists) return false;
		this.#recordings.delete(lessonId);
		this.#ready.delete(lessonId);
		await this.packages.remove(lessonId);
		await this.library.remove(lessonId);
		log.info({ lessonId }, 'lesson package deleted');
		return true;
	}

	/** Resolves when nothing waits to be finalised (tests, shutdown). */
	finalised(): Promise<void> {
		return this.#finaliser.idle();
	}

	/**
	 * Shutdown: parts being recorded are closed cleanly (the package stays 'recording', so the next
	 * start of the server treats it as a lesson that may resume); finalising in progress finishes.
	 */
	async close(): Promise<void> {
		this.#closed = true;
		this.#deps.bus.off('event', this.#onEvent);
		for (const timer of this.#resumeTimers.values()) clearTimeout(timer);
		this.#resumeTimers.clear();
		const recordings = await Promise.allSettled([...this.#recordings.values()]);
		for (const r of recordings) if (r.status === 'fulfilled' && r.value.recording) await r.value.stop('idle').catch(() => undefined);
		await this.#finaliser.idle();
	}

	#route(event: ClassroomEvent): void {
		const recording = this.#loadedOne(event.lessonId);
		if (recording?.recording) recording.onEvent(event);
	}

	/** After a restart: open parts are closed from disk; ended lessons are finalised, others wait to resume. */
	async #recover(): Promise<void> {
		for (const lessonId of await this.packages.lessonIds()) {
			const manifest = await this.packages.readManifest(lessonId);
			if (!manifest) continue;
			const lesson = this.#deps.directory.lesson(lessonId);
			const over = !lesson || lesson.status === 'ended' || lesson.linksExpireAt < Date.now();
			if (manifest.state === 'ready' && over) {
				// Kept for a resume that can no longer come (the lesson ended or its links expired since).
				await rm(this.packages.rawDir(lessonId), { recursive: true, force: true });
				continue;
			}
			if (manifest.state !== 'recording' && manifest.state !== 'finalising') continue;
			const recording = await this.#recording(lessonId);
			const recovered = await recording.recoverOpenParts();
			log.info({ lessonId, recovered, over }, 'recording found after a restart');
			if (over || manifest.state === 'finalising') this.#finaliser.enqueue(recording);
			else this.#finaliseUnlessResumed(recording);
		}
	}

	#finaliseUnlessResumed(recording: LessonRecording): void {
		const timer = setTimeout(() => {
			this.#resumeTimers.delete(recording.lessonId);
			if (!recording.recording && recording.manifest?.state === 'recording') this.#finaliser.enqueue(recording);
		}, this.#deps.resumeWindowMs);
		timer.unref();
		this.#resumeTimers.set(recording.lessonId, timer);
	}

	#recording(lessonId: string): Promise<LessonRecording> {
		let pending = this.#recordings.get(lessonId);
		if (!pending) {
			pending = LessonRecording.load(lessonId, {
				packages: this.packages,
				library: this.library,
				bus: this.#deps.bus,
				boards: this.#deps.boards,
				directory: this.#deps.directory,
				engine: this.#deps.engine
			});
			this.#recordings.set(lessonId, pending);
			pending.then(
				(recording) => {
					if (this.#recordings.get(lessonId) === pending) this.#ready.set(lessonId, recording);
				},
				() => this.#recordings.delete(lessonId)
			);
		}
		return pending;
	}

	/** The lesson's recording if it is loaded (synchronous: snapshots and events need it at once). */
	#loadedOne(lessonId: string): LessonRecording | undefined {
		return this.#ready.get(lessonId);
	}

	#loaded(): IterableIterator<LessonRecording> {
		return this.#ready.values();
	}
}
