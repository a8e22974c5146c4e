import { describe, expect, it } from 'vitest';
import { galleryColumns } from './gallery.ts';

describe('galleryColumns', () => {
	it('puts two rooms side by side on a wide area', () => {
		expect(galleryColumns(2, 1100, 700)?.cols).toBe(2);
	});
	it('stacks rooms when the area is tall and narrow', () => {
		expect(galleryColumns(2, 500, 900)?.cols).toBe(1);
	});
	it('uses a 2x2 grid for four rooms on a 16:9-ish area', () => {
		expect(galleryColumns(4, 1100, 720)?.cols).toBe(2);
	});
	it('gives up (scrolling grid) when tiles would be too small', () => {
		expect(galleryColumns(40, 1000, 600)).toBeNull();
		expect(galleryColumns(0, 1000, 600)).toBeNull();
	});
	it('never makes tiles wider than the area', () => {
		const layout = galleryColumns(3, 1000, 2000);
		expect(layout && layout.tileWidth * layout.cols).toBeLessThanOrEqual(1000);
	});
});
