import { classReplaySurfacePath, type ClassReplaySurface } from '$protocol';
import { ReplayIndex } from '../recording/replay/replay-index.ts';
import type { DeckSource } from '../recording/replay/stage-media.ts';
import type { LiveSession } from '../live/session.svelte.ts';

/** What a replayed session's screens need to draw the recorded slides and board at any time. */
export interface ReplaySurfaceData {
	index: ReplayIndex;
	decks: DeckSource[];
}

/** The recorded slides and board, read with the room screen's or assistant's own lesson token. */
export async function loadReplaySurface(lessonId: string, token: string): Promise<ReplaySurfaceData> {
	const res = await fetch(classReplaySurfacePath(lessonId), { headers: { authorization: `Bearer ${token}` } });
	if (!res.ok) throw new Error(`recorded slides unavailable (${res.status})`);
	const surface = (await res.json()) as ClassReplaySurface;
	const entries = surface.views.map((v) => ({ kind: 'surface' as const, mediaMs: v.mediaMs, view: v.view }));
	return { index: new ReplayIndex(entries, surface.boards, surface.durationMs), decks: surface.decks };
}

/** The room's own lesson token, to read the recorded slides and board (null: the video alone). */
export interface SurfaceAccess {
	lessonId: string;
	token: string;
	licenseKey: string | null;
}

export function surfaceAccessOf(session: LiveSession): SurfaceAccess | null {
	const lessonId = session.lesson.snapshot?.lessonId;
	return lessonId && session.token ? { lessonId, token: session.token, licenseKey: session.tldrawLicenseKey } : null;
}
