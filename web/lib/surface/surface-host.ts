import type { Role } from '$protocol';
import type { LessonState } from '../live/lesson-state.svelte.ts';
import type { SurfaceRuntime } from './runtime.svelte.ts';

/** What the slides-and-board stage needs from a session: the live page's, or a student's phone. */
export interface SurfaceHost {
	readonly lesson: LessonState;
	readonly role: Role | null;
	readonly selfId: string | null;
	/** The token the decks API and the board socket authenticate with. */
	readonly token: string | null;
	readonly tldrawLicenseKey: string | null;
	readonly surface: SurfaceRuntime;
	readonly toasts: { show(text: string): void };
}
