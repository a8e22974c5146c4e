import { z } from 'zod';
import {
	BoardSnapshotSchema,
	RecordingManifestSchema,
	TimelineEntrySchema,
	type BoardSnapshot,
	type LibraryEntry,
	type RecordingManifest,
	type TimelineEntry
} from '../protocol/index.ts';
import { mergeLibraryEntries } from '../recorder/LibraryIndex.ts';
import type { RecordingService } from '../recorder/index.ts';
import type { TokenService } from '../signalling/auth/TokenService.ts';
import type { SharedLibrary } from './cluster/SharedLibrary.ts';

/** How long the token a node reads another's recording with lives. */
const PEER_TOKEN_MS = 60_000;

const ReplaySchema = z.object({ manifest: RecordingManifestSchema });
const TimelineSchema = z.object({ entries: z.array(TimelineEntrySchema) });
const BoardsSchema = z.object({ snapshots: z.array(BoardSnapshotSchema) });

export interface RecordedLessonsDeps {
	recorder: RecordingService;
	tokens: TokenService;
	/** The deployment's library (null on a node alone). */
	shared: () => SharedLibrary | null;
	/** Credentials that list another node's library (a short-lived staff token). */
	staffCredentials: () => Promise<Record<string, string>>;
}

/**
 * Recorded lessons as a class replay reads them: from this node's packages, or in a cluster from
 * the node that holds the package (through its library routes, with a teacher token of the
 * recorded lesson, which opens that recording and nothing else).
 */
export class RecordedLessons {
	readonly #deps: RecordedLessonsDeps;

	constructor(deps: RecordedLessonsDeps) {
		this.#deps = deps;
	}

	/** The ready recordings of this node and, in a cluster, of every live node. */
	async ready(): Promise<LibraryEntry[]> {
		const local = this.#deps.recorder.list({});
		const shared = this.#deps.shared();
		const others = shared ? await shared.otherEntriesAs(await this.#deps.staffCredentials(), '') : [];
		return mergeLibraryEntries(local, others).filter((e) => e.state === 'ready');
	}

	async manifest(lessonId: string): Promise<RecordingManifest | null> {
		if (this.#local(lessonId)) return this.#deps.recorder.manifest(lessonId);
		const replay = await this.#remote(lessonId, '');
		return replay === null ? null : ReplaySchema.parse(replay).manifest;
	}

	async timeline(lessonId: string): Promise<TimelineEntry[]> {
		if (this.#local(lessonId)) return this.#deps.recorder.timeline(lessonId);
		return TimelineSchema.parse(await this.#remote(lessonId, '/timeline')).entries;
	}

	async boards(lessonId: string): Promise<BoardSnapshot[]> {
		if (this.#local(lessonId)) return this.#deps.recorder.boards(lessonId);
		return BoardsSchema.parse(await this.#remote(lessonId, '/boards')).snapshots;
	}

	#local(lessonId: string): boolean {
		return !this.#deps.shared() || !!this.#deps.recorder.entry(lessonId);
	}

	async #remote(lessonId: string, part: '' | '/timeline' | '/boards'): Promise<unknown> {
		const shared = this.#deps.shared();
		if (!shared) return null;
		const token = await this.#deps.tokens.signLesson({ lessonId, role: 'teacher', classroomId: null, participantId: 'node-replay', expiresAt: Date.now() + PEER_TOKEN_MS });
		return shared.recorded(lessonId, part, token);
	}
}
