import type { RecordingManifest, SurfaceView } from '$protocol';
import { t } from '../../i18n/index.svelte.ts';
import type { ReplayMarker } from './replay-index.ts';

/** "Fractions · page 3", or "Whiteboard", for chapters and markers. */
export function viewLabel(view: SurfaceView, manifest: RecordingManifest): string {
	if (view.kind === 'blank') return t('replay.blankBoard');
	if (view.kind === 'none') return t('replay.teacherVideo');
	const deck = manifest.decks.find((d) => d.deckId === view.deckId);
	const name = deck ? deck.fileName.replace(/\.pdf$/i, '') : t('replay.slides');
	return t('replay.slideLabel', { deck: name, page: view.page });
}

export function markerLabel(marker: ReplayMarker, manifest: RecordingManifest): string {
	if (marker.kind === 'slide') return viewLabel(marker.view, manifest);
	if (marker.kind === 'poll') return marker.question;
	const room = manifest.classrooms.find((c) => c.id === marker.classroomId)?.name;
	const who = marker.name ?? t('replay.someone');
	return room ? t('replay.handIn', { name: who, room }) : t('replay.hand', { name: who });
}
