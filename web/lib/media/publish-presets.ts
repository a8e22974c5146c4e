import type { types } from 'mediasoup-client';
import type { MediaSource, Role } from '$protocol';
import { cameraEncodings } from './simulcast.ts';

type EncodingsAndCodec = Pick<types.ProducerOptions, 'encodings' | 'codecOptions'>;

const AUDIO: EncodingsAndCodec = {
	codecOptions: { opusFec: true, opusDtx: true, opusStereo: false }
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

/** Screen: one sharp, slow layer (slides and documents, not motion). */
const SCREEN: EncodingsAndCodec = {
	encodings: [{ maxBitrate: 1_500_000, maxFramerate: 5 }]
};

export function producerPreset(role: Role, source: MediaSource, track?: MediaStreamTrack): EncodingsAndCodec {
	if (source === 'mic') return AUDIO;
	if (source === 'screen') return SCREEN;
	if (role !== 'teacher') return ROOM_CAMERA;
	// The teacher's layers follow the real capture size (a 640x360 camera: 360p on top, not 180p).
	return track ? { ...TEACHER_CAMERA, encodings: cameraEncodings(track, 3) } : TEACHER_CAMERA;
}
