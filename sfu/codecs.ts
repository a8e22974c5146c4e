import type { RouterRtpCodecCapability, RtpCapabilities } from 'mediasoup/types';

/** Router codecs: Opus (FEC, DTX negotiated by the client) and VP8 for camera and screen. */
export const ROUTER_MEDIA_CODECS: RouterRtpCodecCapability[] = [
	{
		kind: 'audio',
		mimeType: 'audio/opus',
		clockRate: 48000,
		channels: 2,
		parameters: { useinbandfec: 1, usedtx: 1 }
	},
	{
		kind: 'video',
		mimeType: 'video/VP8',
		clockRate: 90000,
		parameters: { 'x-google-start-bitrate': 600 }
	}
];

const ABS_CAPTURE_TIME = 'http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time';

/**
 * The capabilities handed to browsers. abs-capture-time is removed: mediasoup-client lists it in
 * the producer's parameters without negotiating it in the SDP, so Chromium never sends it and the
 * worker then refuses to switch simulcast layers (see the browser WebRTC notes).
 */
export function clientRtpCapabilities(routerCaps: RtpCapabilities): RtpCapabilities {
	return {
		...routerCaps,
		headerExtensions: (routerCaps.headerExtensions ?? []).filter((ext) => ext.uri !== ABS_CAPTURE_TIME)
	};
}
