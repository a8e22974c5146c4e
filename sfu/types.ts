/**
 * The media types the rest of the server names (parameters passed through from clients, and the
 * objects the recorder drives). They are mediasoup's, re-exported so that only sfu/ imports mediasoup.
 */
export type {
	AudioLevelObserver,
	Consumer,
	ConsumerTraceEventData,
	DtlsParameters,
	IceParameters,
	MediaKind,
	PlainTransport,
	Producer,
	Router,
	RouterRtpCodecCapability,
	RtpCapabilities,
	RtpParameters,
	WebRtcTransport,
	Worker
} from 'mediasoup/types';
