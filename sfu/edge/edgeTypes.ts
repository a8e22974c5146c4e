import type { ConsumerLayers, DtlsParameters, IceParameters, MediaKind, RtpCapabilities, RtpParameters, SrtpParameters } from 'mediasoup/types';
import type { TransportParameters } from '../mediaTypes.ts';

/**
 * A lesson's media served on an edge node: the origin node keeps the lesson (its producers, its
 * policy) and drives a router on the edge, where the participants who reached the edge send and
 * receive. The two routers meet over one pair of PipeTransports (SRTP on) per lesson and edge.
 * These are the calls the origin makes and the events the edge sends back; the link between the
 * nodes carries them (signalling/cluster/EdgeMediaLink).
 */

/** One end of a lesson's pipe between two nodes. */
export interface PipeEnd {
	ip: string;
	port: number;
	srtpParameters: SrtpParameters;
}

export interface EdgeCalls {
	/** Opens the lesson's router on the edge and its pipe end, connected to the origin's. */
	'lesson.open': { params: { lessonId: string; origin: PipeEnd }; result: { edge: PipeEnd } };
	'lesson.close': { params: { lessonId: string }; result: null };
	'transport.create': { params: { lessonId: string; appData: Record<string, unknown> }; result: TransportParameters };
	'transport.connect': { params: { transportId: string; dtlsParameters: DtlsParameters }; result: null };
	'transport.restartIce': { params: { transportId: string }; result: IceParameters };
	'transport.stats': { params: { transportId: string }; result: Record<string, unknown>[] };
	'transport.close': { params: { transportId: string }; result: null };
	/** A participant's track: produced on the edge and consumed into the pipe at once (its pipe parameters come back). */
	'producer.create': {
		params: { transportId: string; kind: MediaKind; rtpParameters: RtpParameters; paused: boolean; appData: Record<string, unknown> };
		result: { id: string; kind: MediaKind; paused: boolean; pipeRtpParameters: RtpParameters; score: { score: number }[] };
	};
	'producer.pause': { params: { producerId: string; paused: boolean }; result: null };
	'producer.stats': { params: { producerId: string }; result: Record<string, unknown>[] };
	'producer.close': { params: { producerId: string }; result: null };
	/** A producer of the origin's, arriving through the pipe under its own id. */
	'pipe.produce': { params: { lessonId: string; producerId: string; kind: MediaKind; rtpParameters: RtpParameters; paused: boolean }; result: null };
	'pipe.pause': { params: { lessonId: string; producerId: string; paused: boolean }; result: null };
	'pipe.close': { params: { lessonId: string; producerId: string }; result: null };
	'consumer.create': {
		params: {
			transportId: string;
			producerId: string;
			rtpCapabilities: RtpCapabilities;
			preferredLayers?: { spatialLayer: number; temporalLayer?: number };
			appData: Record<string, unknown>;
		};
		result: RemoteConsumerState;
	};
	'consumer.resume': { params: { consumerId: string }; result: null };
	'consumer.pause': { params: { consumerId: string }; result: null };
	'consumer.requestKeyFrame': { params: { consumerId: string }; result: null };
	'consumer.setPreferredLayers': { params: { consumerId: string; spatialLayer: number; temporalLayer?: number }; result: null };
	'consumer.stats': { params: { consumerId: string }; result: Record<string, unknown>[] };
	'consumer.close': { params: { consumerId: string }; result: null };
}

export type EdgeMethod = keyof EdgeCalls;
export type EdgeParams<M extends EdgeMethod> = EdgeCalls[M]['params'];
export type EdgeResult<M extends EdgeMethod> = EdgeCalls[M]['result'];

/** A consumer on the edge as the origin mirrors it. */
export interface RemoteConsumerState {
	id: string;
	kind: MediaKind;
	type: 'simple' | 'simulcast' | 'svc' | 'pipe';
	rtpParameters: RtpParameters;
	paused: boolean;
	producerPaused: boolean;
	score: ConsumerScoreState;
	currentLayers: ConsumerLayers | null;
}

export interface ConsumerScoreState {
	score: number;
	producerScore: number;
	producerScores: number[];
}

/** What the edge tells the origin about the objects it holds for it. */
export type EdgeEvent =
	| { type: 'lesson.closed'; lessonId: string }
	| { type: 'transport.closed'; transportId: string }
	| { type: 'producer.closed'; producerId: string }
	| { type: 'producer.score'; producerId: string; score: { score: number }[] }
	| { type: 'consumer.closed'; consumerId: string; reason: 'producer_closed' | 'transport_closed' }
	| { type: 'consumer.score'; consumerId: string; score: ConsumerScoreState }
	| { type: 'consumer.layers'; consumerId: string; layers: ConsumerLayers | null }
	| { type: 'consumer.producerPaused'; consumerId: string; paused: boolean }
	| { type: 'consumer.nack'; consumerId: string };

/** The origin's side of the link to one edge node. */
export interface EdgeChannel {
	readonly nodeId: string;
	readonly closed: boolean;
	call<M extends EdgeMethod>(method: M, params: EdgeParams<M>): Promise<EdgeResult<M>>;
	/** Every event the edge sends; returns the unsubscribe. */
	onEvent(listener: (event: EdgeEvent) => void): () => void;
	/** The link is gone (the edge died or closed): everything held there is gone with it. */
	onClose(listener: () => void): () => void;
}

/** Opens (or reuses) the link to an edge node; null when that node cannot be reached. */
export type EdgeConnector = (nodeId: string) => Promise<EdgeChannel | null>;
