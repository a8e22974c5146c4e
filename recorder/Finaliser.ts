import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { RecordingManifest } from '../protocol/index.ts';
import type { LessonRecording } from './LessonRecording.ts';
import { moduleLogger } from '../core/logger.ts';
import { finaliseMedia } from './media/index.ts';
import { partsDurationMs } from './mediaTime.ts';
import type { PackageStore } from './PackageStore.ts';
import type { DeckSource, LessonDirectory } from './types.ts';

const log = moduleLogger('recorder:finalise');

/** Progress is written to the manifest (and the library) at most this often. */
const PROGRESS_WRITE_MS = 500;

export interface FinaliserDeps {
	packages: PackageStore;
	decks: DeckSource;
	directory: LessonDirectory;
}

/**
 * Turns recorded parts into a ready package, one lesson at a time: copies the lesson's decks, joins
 * and remuxes the media (media/finaliseMedia.ts) with progress in the manifest, checks the final files,
 * and only then removes the raw segments — and only once the lesson is over (ended, or its links
 * expired), because a lesson that may resume is finalised again with its new part.
 */
export class Finaliser {
	readonly #deps: FinaliserDeps;
	readonly #queue: LessonRecording[] = [];
	#running: LessonRecording | null = null;
	#drained: Promise<void> = Promise.resolve();

	constructor(deps: FinaliserDeps) {
		this.#deps = deps;
	}

	/** Lessons waiting or being finalised. */
	get pending(): number {
		return this.#queue.length + (this.#running ? 1 : 0);
	}

	isQueued(lessonId: string): boolean {
		return this.#running?.lessonId === lessonId || this.#queue.some((r) => r.lessonId === lessonId);
	}

	enqueue(recording: LessonRecording): void {
		if (this.#queue.some((r) => r.lessonId === recording.lessonId)) return;
		this.#queue.push(recording);
		if (!this.#running) this.#drained = this.#drain();
	}

	/** Resolves when the queue is empty. */
	async idle(): Promise<void> {
		while (this.pending > 0) await this.#drained;
	}

	async #drain(): Promise<void> {
		for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
			this.#running = next;
			try {
				await this.#finalise(next);
			} finally {
				this.#running = null;
			}
		}
	}

	async #finalise(recording: LessonRecording): Promise<void> {
		const { lessonId } = recording;
		const before = recording.manifest;
		// A part being recorded: its stop queues the lesson again.
		if (!before || recording.recording || before.parts.length === 0) return;
		const startedAt = Date.now();
		try {
			await recording.update((m) => {
				m.state = 'finalising';
				m.progress = 0;
			});
			const decks = await this.#copyDecks(lessonId);
			const indexes = new Set(before.parts.map((p) => p.index));
			const parts = recording.summaries.filter((s) => indexes.has(s.index)).sort((a, b) => a.index - b.index);
			let lastWrite = 0;
			const media = await finaliseMedia(this.#deps.packages.mediaDir(lessonId), parts, (fraction) => {
				const now = Date.now();
				if (now - lastWrite < PROGRESS_WRITE_MS) return;
				lastWrite = now;
				void recording.update((m) => {
					if (m.state === 'finalising') m.progress = Math.min(0.99, Math.max(0, fraction));
				}).catch(() => undefined);
			});
			await this.#checkFiles(lessonId, media);
			if (this.#over(lessonId)) await rm(this.#deps.packages.rawDir(lessonId), { recursive: true, force: true });
			const bytes = await this.#deps.packages.bytes(lessonId);
			const done = await recording.update((m) => {
				m.media = media;
				m.decks = decks;
				m.durationMs = media.durationMs > 0 ? media.durationMs : partsDurationMs(m.parts);
				m.bytes = bytes;
				m.endedAt ??= m.parts.at(-1)?.stoppedAt ?? Date.now();
				// Resumed while this ran: it stays a recording and is finalised again after that part.
				m.state = recording.recording ? 'recording' : 'ready';
				m.progress = m.state === 'ready' ? 1 : 0;
			});
			log.info({ lessonId, durationMs: done.durationMs, bytes, ms: Date.now() - startedAt, state: done.state }, 'lesson package finalised');
		} catch (error) {
			const message = (error as Error).message;
			log.error({ lessonId, err: message }, 'finalising failed; the raw parts are kept');
			await recording
				.update((m) => {
					m.state = recording.recording ? 'recording' : 'failed';
					m.progress = 0;
					m.notes.push({ at: Date.now(), kind: 'finalise_failed', mediaMs: null, gapMs: null, message: message.slice(0, 500) });
				})
				.catch(() => undefined);
		}
	}

	/** The lesson's slide PDFs into the package (decks/<deckId>.pdf). */
	async #copyDecks(lessonId: string): Promise<RecordingManifest['decks']> {
		const { packages, decks } = this.#deps;
		const list = await decks.list(lessonId).catch(() => []);
		const out: RecordingManifest['decks'] = [];
		if (list.length === 0) return out;
		await mkdir(packages.decksDir(lessonId), { recursive: true });
		for (const deck of list) {
			const file = `decks/${deck.id}.pdf`;
			try {
				await copyFile(decks.filePath(lessonId, deck.id), path.join(packages.dir(lessonId), file));
				out.push({ deckId: deck.id, fileName: deck.fileName, pageCount: deck.pageCount, file });
			} catch (error) {
				log.warn({ lessonId, deckId: deck.id, err: (error as Error).message }, 'deck not copied into the package');
			}
		}
		return out;
	}

	async #checkFiles(lessonId: string, media: NonNullable<RecordingManifest['media']>): Promise<void> {
		const dir = this.#deps.packages.mediaDir(lessonId);
		const files = [...(media.program ? [media.program.file] : []), ...media.screens.map((s) => s.file)];
		for (const file of files) {
			const info = await stat(path.join(dir, file));
			if (!info.isFile() || info.size === 0) throw new Error(`finalised ${file} is empty`);
		}
	}

	#over(lessonId: string): boolean {
		const lesson = this.#deps.directory.lesson(lessonId);
		return !lesson || lesson.status === 'ended' || lesson.linksExpireAt < Date.now();
	}
}
