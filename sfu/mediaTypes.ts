import type { ConsumerLayers, DtlsParameters, IceCandidate, IceParameters, MediaKind, RtpParameters } from 'mediasoup/types';

/** A WebRTC transport as the client needs it to connect. */
export interface TransportParameters {
	id: string;
	iceParameters: IceParameters;
	iceCandidates: IceCandidate[];
	dtlsParameters: DtlsParameters;
}

/** A new producer. */
export interface ProducedTrack {
	id: string;
	kind: MediaKind;
	paused: boolean;
}

/** A new (paused) consumer as the viewer's client needs it to receive. */
export interface ConsumerParameters {
	id: string;
	producerId: string;
	kind: MediaKind;
	rtpParameters: RtpParameters;
	type: 'simple' | 'simulcast' | 'svc' | 'pipe';
	producerPaused: boolean;
}

/** One RTP stream's figures as the network monitor reads them. */
export interface StreamStats {
	type: string;
	bitrate?: number;
	fractionLost?: number;
	score?: number;
	roundTripTime?: number;
}

/** A consumer's figures: its streams, its score, and whether media flows at all. */
export interface ConsumerStats {
	streams: StreamStats[];
	score: number;
	paused: boolean;
	producerPaused: boolean;
}

export interface LessonMediaFigures {
	lessonId: string;
	consumers: number;
	/** Bits per second the SFU receives on this lesson's producers. */
	bitrateIn: number;
	/** Bits per second the SFU sends on this lesson's consumers. */
	bitrateOut: number;
	/** The worst fraction lost (0–1) over the streams the SFU receives. */
	loss: number;
}

export type { ConsumerLayers };
