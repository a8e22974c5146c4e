import type { types } from 'mediasoup-client';
import type { MediaSource, Role } from '$protocol';
import { cameraEncodings } from './simulcast.ts';

type EncodingsAndCodec = Pick<types.ProducerOptions, 'encodings' | 'codecOptions'>;

/**
 * Speech built for lossy rural links: Opus in-band FEC (a lost packet is rebuilt from the next one),
 * no DTX (after silence a lost first packet clips the start of a sentence, and comfort noise hides a
 * dead link), at most 40 kbit/s (clear speech; leaves a 128 kbit/s uplink room), sent first when the
 * link is congested.
 * The encoder sizes its FEC by the loss in the receiver reports it gets, and for an Opus producer
 * with in-band FEC mediasoup reports the worst loss among its consumers (not the sender's own clean
 * link): the teacher's microphone carries FEC for the lossiest room. Measured in the three-room e2e:
 * the SFU reported up to 11-12 % loss on it while the poor room's link lost 10 %, and that room
 * concealed 1.4-2.7 % of the teacher's audio. Chromium asks for no lost audio again (nackCount 0).
 */
const AUDIO: EncodingsAndCodec = {
	encodings: [{ maxBitrate: 40_000, priority: 'high', networkPriority: 'high' }],
	codecOptions: { opusFec: true, opusDtx: false, opusStereo: false, opusNack: true, opusMaxAverageBitrate: 40_000 }
};

/** Teacher camera: three VP8 simulcast layers so each room gets what its link can carry. */
const TEACHER_CAMERA: EncodingsAndCodec = {
	encodings: [
		{ rid: 'r0', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
		{ rid: 'r1', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
		{ rid: 'r2', scaleResolutionDownBy: 1, maxBitrate: 1_500_000 }
	],
	codecOptions: { videoGoogleStartBitrate: 1000 }
};

/** Classroom cameras: a low layer for the teacher's grid, a high one for the stage. */
const ROOM_CAMERA: EncodingsAndCodec = {
	encodings: [
		{ scaleResolutionDownBy: 2, maxBitrate: 250_000 },
		{ scaleResolutionDownBy: 1, maxBitrate: 900_000 }
	],
	codecOptions: { videoGoogleStartBitrate: 1000 }
};

/**
 * Screen: a sharp, slow layer (slides and documents, not motion) and a half-size 2 fps layer that a
 * poor room's link still carries; the SFU picks the layer per room by its bandwidth estimate.
 */
const SCREEN: EncodingsAndCodec = {
	encodings: [
		{ rid: 's0', scaleResolutionDownBy: 2, maxBitrate: 120_000, maxFramerate: 2 },
		{ rid: 's1', maxBitrate: 1_500_000, maxFramerate: 5 }
	]
};

export function producerPreset(role: Role, source: MediaSource, track?: MediaStreamTrack): EncodingsAndCodec {
	if (source === 'mic') return AUDIO;
	if (source === 'screen') return SCREEN;
	if (role !== 'teacher') return ROOM_CAMERA;
	// The teacher's layers follow the real capture size (a 640x360 camera: 360p on top, not 180p).
	return track ? { ...TEACHER_CAMERA, encodings: cameraEncodings(track, 3) } : TEACHER_CAMERA;
}
