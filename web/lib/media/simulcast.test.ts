import { describe, expect, it } from 'vitest';
import { cameraLayers } from './simulcast.ts';

const heights = (capture: { width: number; height: number }, max: number) =>
	cameraLayers(capture, max).map((l) => Math.round(capture.height / l.scaleResolutionDownBy));

describe('cameraLayers (simulcast from the real capture size)', () => {
	it('a 1280x720 teacher camera sends 180p, 360p and 720p', () => {
		expect(heights({ width: 1280, height: 720 }, 3)).toEqual([180, 360, 720]);
		expect(cameraLayers({ width: 1280, height: 720 }, 3).map((l) => l.rid)).toEqual(['r0', 'r1', 'r2']);
	});

	it('a 640x360 teacher camera sends its full 360p as the top layer (not 320x180)', () => {
		const layers = cameraLayers({ width: 640, height: 360 }, 3);
		expect(heights({ width: 640, height: 360 }, 3)).toEqual([180, 360]);
		expect(layers.at(-1)).toMatchObject({ scaleResolutionDownBy: 1 });
		expect(layers.at(-1)!.maxBitrate).toBeGreaterThan(layers[0]!.maxBitrate);
	});

	it('a 1920x1080 camera: three layers, the top one full size', () => {
		expect(heights({ width: 1920, height: 1080 }, 3)).toEqual([270, 540, 1080]);
	});

	it('classrooms get at most two layers', () => {
		expect(heights({ width: 1280, height: 720 }, 2)).toEqual([360, 720]);
		expect(heights({ width: 640, height: 360 }, 2)).toEqual([180, 360]);
	});

	it('a tiny capture sends one full-size layer', () => {
		expect(heights({ width: 160, height: 120 }, 3)).toEqual([120]);
	});

	it('portrait captures count their short side', () => {
		expect(cameraLayers({ width: 360, height: 640 }, 3)).toHaveLength(2);
	});
});
