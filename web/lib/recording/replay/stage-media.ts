import type { RecordingManifest } from '$protocol';
import { recordingFileUrl } from '../library-api.ts';

/** The media files of a ready package, as the player loads them. */
export interface StageMedia {
	program: { src: string; hasVideo: boolean; hasAudio: boolean } | null;
	screens: { src: string; startMs: number; durationMs: number }[];
}

export function stageMediaOf(manifest: RecordingManifest, mediaToken: string): StageMedia {
	const media = manifest.media;
	const url = (file: string) => recordingFileUrl(manifest.lessonId, `media/${file}`, mediaToken);
	return {
		program: media?.program ? { src: url(media.program.file), hasVideo: media.program.hasVideo, hasAudio: media.program.hasAudio } : null,
		screens: (media?.screens ?? []).map((s) => ({ src: url(s.file), startMs: s.startMs, durationMs: s.durationMs }))
	};
}

/** A slide deck of a package and the link its PDF loads from. */
export interface DeckSource {
	deckId: string;
	pageCount: number;
	src: string;
}

export function deckSourcesOf(manifest: RecordingManifest, mediaToken: string): DeckSource[] {
	return manifest.decks.map((d) => ({
		deckId: d.deckId,
		pageCount: d.pageCount,
		src: recordingFileUrl(manifest.lessonId, d.file.startsWith('decks/') ? d.file : `decks/${d.file}`, mediaToken)
	}));
}
