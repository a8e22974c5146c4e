import {
	viewOfSlideShown,
	type BoardSnapshot,
	type ClassReplaySurfaceSource,
	type ClassroomEvent,
	type ClassroomEventOf,
	type RecordingManifest,
	type TimelineEntry
} from '../protocol/index.ts';
import { RecordingError } from './errors.ts';

/**
 * The slides and board of a ready package for a replayed session's room screen: its decks, what was
 * shown when (the part-start `surface` lines and the `slide.shown` events), and the board snapshots.
 * Chat, names, answers and every other event stay in the package.
 */
export function classReplaySurface(manifest: RecordingManifest, timeline: readonly TimelineEntry[], boards: readonly BoardSnapshot[]): ClassReplaySurfaceSource {
	if (manifest.state !== 'ready') throw new RecordingError('conflict', `the recorded lesson is not ready yet (${manifest.state})`);
	const views: ClassReplaySurfaceSource['views'] = [];
	for (const entry of timeline) {
		if (entry.kind === 'surface') views.push({ mediaMs: entry.mediaMs, view: entry.view });
		else if (entry.kind === 'event' && (entry.event as ClassroomEvent).type === 'slide.shown') {
			views.push({ mediaMs: entry.mediaMs, view: viewOfSlideShown((entry.event as ClassroomEventOf<'slide.shown'>).data) });
		}
	}
	views.sort((a, b) => a.mediaMs - b.mediaMs);
	return {
		durationMs: manifest.media?.durationMs || manifest.durationMs,
		decks: manifest.decks.map((d) => ({ deckId: d.deckId, pageCount: d.pageCount, file: d.file.startsWith('decks/') ? d.file : `decks/${d.file}` })),
		views,
		boards: boards.map((b) => ({ mediaMs: b.mediaMs, boardId: b.boardId, records: b.records }))
	};
}
