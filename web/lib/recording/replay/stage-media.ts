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
