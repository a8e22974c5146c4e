import { b64Vecs } from '@tldraw/tlschema';
import { describe, expect, it } from 'vitest';
import { decodePath } from './board-svg.ts';

describe('offline board: tldraw draw paths', () => {
	it('decodes what tldraw encodes, in 3D and 2D', () => {
		const points = [
			{ x: 100.5, y: 200.25, z: 0.5 },
			{ x: 110, y: 205, z: 0.5 },
			{ x: 130.5, y: 190, z: 0.5 }
		];
		for (const dim of [3, 2] as const) {
			const decoded = decodePath(b64Vecs.encodePoints(points, dim), dim);
			expect(decoded).toHaveLength(3);
			decoded.forEach((p, i) => {
				expect(p.x).toBeCloseTo(points[i]!.x, 0);
				expect(p.y).toBeCloseTo(points[i]!.y, 0);
			});
		}
		expect(decodePath('not base64!', 3)).toEqual([]);
	});
});
