import { describe, expect, it } from 'vitest';
import { clockTime, dayBounds, fileSize } from './format.ts';

describe('clockTime', () => {
	it('writes minutes and seconds, hours once there are any', () => {
		expect(clockTime(0)).toBe('0:00');
		expect(clockTime(9_999)).toBe('0:09');
		expect(clockTime(754_000)).toBe('12:34');
		expect(clockTime(3_723_000)).toBe('1:02:03');
	});
	it('reads negative and NaN as zero', () => {
		expect(clockTime(-5)).toBe('0:00');
		expect(clockTime(Number.NaN)).toBe('0:00');
	});
});

describe('fileSize', () => {
	it('picks a decimal unit with one decimal below 10', () => {
		expect(fileSize(512)).toBe('512 B');
		expect(fileSize(1_400_000)).toBe('1.4 MB');
		expect(fileSize(820_000)).toBe('820 kB');
		expect(fileSize(31_000_000_000)).toBe('31 GB');
	});
});

describe('dayBounds', () => {
	it('spans the whole local day', () => {
		const day = dayBounds('2026-11-23');
		expect(day).not.toBeNull();
		expect(new Date(day!.start).getHours()).toBe(0);
		expect(day!.end - day!.start).toBeGreaterThan(23 * 3_600_000 - 2);
		expect(dayBounds('23/11/2026')).toBeNull();
	});
});
