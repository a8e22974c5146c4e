import { describe, expect, it } from 'vitest';
import { linear, maxOf, niceTicks } from './scale.ts';

describe('niceTicks', () => {
	it('covers the maximum with round steps', () => {
		expect(niceTicks(1)).toEqual([0, 0.25, 0.5, 0.75, 1]);
		expect(niceTicks(100)).toEqual([0, 25, 50, 75, 100]);
		expect(niceTicks(14)).toEqual([0, 5, 10, 15]);
		expect(niceTicks(3)).toEqual([0, 1, 2, 3]);
	});
	it('keeps counts whole when asked', () => {
		expect(niceTicks(3, 4, true)).toEqual([0, 1, 2, 3]);
		expect(niceTicks(10, 4, true)).toEqual([0, 5, 10]);
		expect(niceTicks(1, 4, true)).toEqual([0, 1]);
		expect(niceTicks(10, 4, true).every(Number.isInteger)).toBe(true);
	});
	it('gives an axis for no data', () => {
		expect(niceTicks(0)).toEqual([0, 1]);
		expect(niceTicks(Number.NaN)).toEqual([0, 1]);
	});
});

describe('linear and maxOf', () => {
	it('maps the domain onto the range, flipped for SVG y', () => {
		const y = linear(0, 1, 200, 0);
		expect(y(0)).toBe(200);
		expect(y(0.25)).toBe(150);
		expect(y(1)).toBe(0);
	});
	it('survives an empty domain', () => {
		expect(linear(5, 5, 0, 100)(5)).toBe(0);
	});
	it('ignores nulls and non-finite values', () => {
		expect(maxOf([null, 3, undefined, Number.POSITIVE_INFINITY, 7, Number.NaN])).toBe(7);
		expect(maxOf([null], 1)).toBe(1);
	});
});
