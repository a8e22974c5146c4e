import type { MediaSource, PollInfo, PollResultsNotice, PublicPoll, RequestName, RequestPayload, Responses, Role } from '$protocol';
import type { ConnectionState, LiveSession } from './session.svelte.ts';
import type { BoardShapeInfo } from '../surface/runtime.svelte.ts';
import { mayDraw, surfaceOf } from '../surface/surface-model.ts';
import type { ReplayTestHooks } from '../recording/replay/test-hooks.ts';

/** `window.__classbridge`: a stable surface for the Playwright tests. Keep the shape unchanged. */
export interface ClassbridgeTestHooks {
	state(): {
		role: Role | null;
		selfId: string | null;
		connection: ConnectionState;
		snapshotVersion: number | null;
		consumers: Array<{
			consumerId: string;
			producerId: string;
			kind: 'audio' | 'video';
			source: MediaSource;
			classroomId: string | null;
			participantId: string;
			paused: boolean;
			/** The simulcast layer the SFU last said it sends (null: not told, or not simulcast). */
			spatialLayer: number | null;
		}>;
		producers: Array<{ producerId: string; kind: 'audio' | 'video'; source: MediaSource; paused: boolean }>;
	};
	setPreferredLayers(consumerId: string, spatialLayer: number): Promise<null>;
	inboundStats: LiveSession['engineStats'];
	/** outbound-rtp per encoding of a published source, narrowest first. */
	outboundStats: LiveSession['engineOutboundStats'];
	/** The ICE candidate pair each media transport selected. */
	candidatePairs: LiveSession['engineCandidatePairs'];
	dropConnection(): void;
	request<N extends RequestName>(name: N, payload: RequestPayload<N>): Promise<Responses[N]>;
	/** The tldraw board on screen (nothing shown or not loaded: empty answers). */
	board: {
		boardId(): string | null;
		shapes(): BoardShapeInfo[];
		/** Creates a geo rectangle through the editor, even when read-only; returns its id ('' without a board). */
		createRect(x: number, y: number, w: number, h: number): string;
		/** The lesson lets us draw and the board session is writable. */
		canDraw(): boolean;
	};
	/** Polls: the public poll of the snapshot, this role's live results and (teacher) every poll. */
	polls: {
		current(): PublicPoll | null;
		results(): PollResultsNotice | null;
		list(): PollInfo[];
	};
	/** The PDF page on screen. */
	slides: {
		page(): number | null;
		/** The current page's text layer. */
		text(): string;
		rendered(): boolean;
	};
}

declare global {
	interface Window {
		/** Live pages install ClassbridgeTestHooks; the replay page only `replay`. */
		__classbridge?: ClassbridgeTestHooks | { replay: ReplayTestHooks };
	}
}

export function installTestHooks(session: LiveSession): () => void {
	const hooks: ClassbridgeTestHooks = {
		state: () => ({
			role: session.role,
			selfId: session.selfId,
			connection: session.connection,
			snapshotVersion: session.lesson.snapshot?.version ?? null,
			consumers: session.remote.map((m) => ({
				consumerId: m.consumerId,
				producerId: m.producerId,
				kind: m.kind,
				source: m.source,
				classroomId: m.classroomId,
				participantId: m.participantId,
				paused: m.paused,
				spatialLayer: m.spatialLayer
			})),
			producers: session.local
				.filter((p) => p.producerId !== null)
				.map((p) => ({
					producerId: p.producerId as string,
					kind: p.track.kind as 'audio' | 'video',
					source: p.source,
					paused: p.paused
				}))
		}),
		setPreferredLayers: (consumerId, spatialLayer) =>
			session.request('media.setPreferredLayers', { consumerId, spatialLayer }),
		inboundStats: () => session.engineStats(),
		outboundStats: (source) => session.engineOutboundStats(source),
		candidatePairs: () => session.engineCandidatePairs(),
		dropConnection: () => session.dropConnection(),
		request: (name, payload) => session.request(name, payload),
		board: {
			boardId: () => session.surface.board?.boardId() ?? null,
			shapes: () => session.surface.board?.shapes() ?? [],
			createRect: (x, y, w, h) => session.surface.board?.createRect(x, y, w, h) ?? '',
			canDraw: () =>
				mayDraw(session.role, session.selfId, surfaceOf(session.lesson.snapshot)) && !!session.surface.board?.writable()
		},
		polls: {
			current: () => session.lesson.snapshot?.poll ?? null,
			results: () => session.polls.results,
			list: () => session.polls.list
		},
		slides: {
			page: () => session.surface.slides?.page() ?? null,
			text: () => session.surface.slides?.text() ?? '',
			rendered: () => session.surface.slides?.rendered() ?? false
		}
	};
	window.__classbridge = hooks;
	return () => {
		if (window.__classbridge === hooks) delete window.__classbridge;
	};
}
