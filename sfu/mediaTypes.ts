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

/** What one receiving transport's link looks like now (the link guard's sample). */
export interface LinkStats {
	/** mediasoup's bandwidth estimate towards the viewer, bit/s; null when unknown. */
	availableBitrate: number | null;
	/** The worst fraction lost (0..1) in the viewer's last receiver reports over its flowing consumers. */
	lossFraction: number;
	/** At least one video consumer flows (not paused on either side). */
	hasVideo: boolean;
	/** A flowing simulcast video consumer gets no layer at all. */
	videoStarved: boolean;
}

export type { ConsumerLayers };
