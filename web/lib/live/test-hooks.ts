import type { MediaSource, RequestName, RequestPayload, Responses, Role } from '$protocol';
import type { ConnectionState, LiveSession } from './session.svelte.ts';

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
		}>;
		producers: Array<{ producerId: string; kind: 'audio' | 'video'; source: MediaSource; paused: boolean }>;
	};
	setPreferredLayers(consumerId: string, spatialLayer: number): Promise<null>;
	inboundStats: LiveSession['engineStats'];
	/** outbound-rtp per encoding of a published source, narrowest first. */
	outboundStats: LiveSession['engineOutboundStats'];
	dropConnection(): void;
	request<N extends RequestName>(name: N, payload: RequestPayload<N>): Promise<Responses[N]>;
}

declare global {
	interface Window {
		__classbridge?: ClassbridgeTestHooks;
	}
}

export function installTestHooks(session: LiveSession): () => void {
	const hooks: ClassbridgeTestHooks = {
		state: () => ({
			role: session.role,
			selfId: session.selfId,
			connection: session.connection,
			snapshotVersion: session.room.snapshot?.version ?? null,
			consumers: session.remote.map((m) => ({
				consumerId: m.consumerId,
				producerId: m.producerId,
				kind: m.kind,
				source: m.source,
				classroomId: m.classroomId,
				participantId: m.participantId,
				paused: m.paused
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
		dropConnection: () => session.dropConnection(),
		request: (name, payload) => session.request(name, payload)
	};
	window.__classbridge = hooks;
	return () => {
		if (window.__classbridge === hooks) delete window.__classbridge;
	};
}
