import type { types } from 'mediasoup-client';

/** A layer of a camera's simulcast, before the browser sees it. */
export interface CameraLayer {
	rid: string;
	scaleResolutionDownBy: number;
	maxBitrate: number;
}

/** Bitrate for a layer by its height (VP8 at 15-30 fps, talking head). */
function bitrateFor(height: number): number {
	if (height >= 700) return 1_500_000;
	if (height >= 500) return 1_000_000;
	if (height >= 340) return 600_000;
	if (height >= 170) return 250_000;
	return 150_000;
}

/** No layer is sent below this height: the browser gives up on layers under ~90 px anyway. */
const MIN_LAYER_HEIGHT = 90;

/**
 * Simulcast layers from the real capture size, top layer always the full capture. A 1280x720
 * camera gets 720p/360p/180p; a 640x360 one gets 360p/180p (asking it for three layers makes the
 * browser drop the top one, so rooms and the recording would get 320x180). `maxLayers` is 3 for the
 * teacher, 2 for classrooms.
 */
export function cameraLayers(capture: { width: number; height: number }, maxLayers: number): CameraLayer[] {
	const height = Math.min(capture.width, capture.height) || 0;
	let count = 1;
	while (count < maxLayers && height / 2 ** count >= MIN_LAYER_HEIGHT && (count < 2 || height >= 540)) count += 1;
	const layers: CameraLayer[] = [];
	for (let i = count - 1; i >= 0; i -= 1) {
		const scale = 2 ** i;
		layers.push({ rid: `r${count - 1 - i}`, scaleResolutionDownBy: scale, maxBitrate: bitrateFor(height / scale) });
	}
	return layers;
}

export function cameraEncodings(track: MediaStreamTrack, maxLayers: number): types.RtpEncodingParameters[] {
	const { width = 1280, height = 720 } = track.getSettings();
	return cameraLayers({ width, height }, maxLayers);
}
