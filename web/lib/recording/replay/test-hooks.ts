import type { SurfaceView } from '$protocol';
import type { BoardHandle, SlidesHandle } from '../../surface/runtime.svelte.ts';
import type { ReplayClock } from './replay-clock.svelte.ts';

/** `window.__classbridge.replay` on the replay page: what the Playwright tests read and drive. */
export interface ReplayTestHooks {
	timeMs(): number;
	durationMs(): number;
	playing(): boolean;
	play(): Promise<void>;
	pause(): void;
	/** Seeks, and resolves once the program media has seeked there (at once without media). */
	seek(ms: number): Promise<void>;
	/** What the side panel shows: the view at the current time and whether its slide is rendered. */
	surface(): { kind: SurfaceView['kind']; deckId: string | null; page: number | null; boardId: string | null; slideRendered: boolean };
	/** Ids of the shapes on the board shown (empty while none is shown). */
	boardShapeIds(): string[];
	/** The program video's decoded width (0 before the first frame or without video). */
	videoWidth(): number;
}

export interface ReplaySources {
	clock: ReplayClock;
	view(): SurfaceView;
	slides(): SlidesHandle | null;
	board(): BoardHandle | null;
	video(): HTMLVideoElement | null;
}

export function installReplayHooks(sources: ReplaySources): () => void {
	const { clock } = sources;
	const hooks: ReplayTestHooks = {
		timeMs: () => clock.timeMs,
		durationMs: () => clock.durationMs,
		playing: () => clock.playing,
		play: () => clock.play(),
		pause: () => clock.pause(),
		seek: (ms) => {
			const video = sources.video();
			clock.seek(ms);
			if (!video || !video.seeking) return Promise.resolve();
			return new Promise<void>((resolve) => {
				const done = () => {
					clearTimeout(timer);
					resolve();
				};
				const timer = setTimeout(() => {
					video.removeEventListener('seeked', done);
					resolve();
				}, 5000);
				video.addEventListener('seeked', done, { once: true });
			});
		},
		surface: () => {
			const view = sources.view();
			const slides = sources.slides();
			return {
				kind: view.kind,
				deckId: view.kind === 'deck' ? view.deckId : null,
				page: view.kind === 'deck' ? view.page : null,
				boardId: sources.board()?.boardId() ?? null,
				slideRendered: view.kind === 'deck' && !!slides?.rendered() && slides.page() === view.page
			};
		},
		boardShapeIds: () => sources.board()?.shapes().map((s) => s.id) ?? [],
		videoWidth: () => sources.video()?.videoWidth ?? 0
	};
	const root = { replay: hooks };
	window.__classbridge = root;
	return () => {
		if (window.__classbridge === root) delete window.__classbridge;
	};
}
