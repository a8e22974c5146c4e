import type { RequestPayload } from '../../protocol/index.ts';
import type { TestClient } from '../../app/testing/harness.ts';

let nextSsrc = 10_000;

/** RTP parameters a browser would send for Opus (FEC, DTX) on one SSRC. */
export function opusParameters(): RequestPayload<'media.produce'>['rtpParameters'] {
	return {
		mid: '0',
		codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2, parameters: { useinbandfec: 1, usedtx: 1 }, rtcpFeedback: [] }],
		headerExtensions: [],
		encodings: [{ ssrc: nextSsrc++ }],
		rtcp: { cname: 'fake' }
	};
}

/** VP8 with `layers` SSRC-based simulcast encodings. */
export function vp8Parameters(layers: number, mid = '1'): RequestPayload<'media.produce'>['rtpParameters'] {
	return {
		mid,
		codecs: [
			{
				mimeType: 'video/VP8',
				payloadType: 96,
				clockRate: 90000,
				rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }, { type: 'goog-remb' }]
			}
		],
		headerExtensions: [],
		encodings: Array.from({ length: layers }, () => ({ ssrc: nextSsrc++, scalabilityMode: 'L1T3' })),
		rtcp: { cname: 'fake' }
	};
}

/**
 * Signalling-level media for a test client: real transports and producers on the real worker
 * (no RTP flows; nothing here needs it), and the router's own capabilities as the device's.
 */
export async function setUpMedia(
	client: TestClient,
	publish: ('mic' | 'camera' | 'screen')[] = []
): Promise<{ producers: Record<string, string>; recvTransportId: string; recvPorts: number[] }> {
	if (!client.join) throw new Error('join first');
	const recv = await client.ok('media.createTransport', { direction: 'recv' });
	const producers: Record<string, string> = {};
	if (publish.length > 0) {
		const send = await client.ok('media.createTransport', { direction: 'send' });
		for (const source of publish) {
			const { producerId } = await client.ok('media.produce', {
				transportId: send.id,
				kind: source === 'mic' ? 'audio' : 'video',
				source,
				rtpParameters: source === 'mic' ? opusParameters() : source === 'screen' ? vp8Parameters(1, '2') : vp8Parameters(client.join.self.role === 'teacher' ? 3 : 2)
			});
			producers[source] = producerId;
		}
	}
	await client.ok('media.ready', { rtpCapabilities: client.join.routerRtpCapabilities });
	return { producers, recvTransportId: recv.id, recvPorts: recv.iceCandidates.map((c) => Number(c.port)) };
}
