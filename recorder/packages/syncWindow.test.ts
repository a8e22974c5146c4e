import { describe, expect, it } from 'vitest';
import { inWindow, nextWindowStart, parseSyncWindow } from './syncWindow.ts';

const at = (h: number, m = 0) => new Date(2026, 2, 10, h, m, 30);

describe('SYNC_HOURS windows', () => {
	it('wraps past midnight', () => {
		const w = parseSyncWindow('22-06');
		expect(inWindow(w, at(23))).toBe(true);
		expect(inWindow(w, at(5, 59))).toBe(true);
		expect(inWindow(w, at(6))).toBe(false);
		expect(inWindow(w, at(12))).toBe(false);
		expect(nextWindowStart(w, at(12))).toBe(new Date(2026, 2, 10, 22, 0, 0).getTime());
		expect(nextWindowStart(w, at(23))).toBeNull();
	});

	it('takes minutes, and refuses nonsense', () => {
		const w = parseSyncWindow('09:30-10:15');
		expect(inWindow(w, at(9, 29))).toBe(false);
		expect(inWindow(w, at(9, 30))).toBe(true);
		expect(inWindow(w, at(10, 15))).toBe(false);
		expect(nextWindowStart(w, at(11))).toBe(new Date(2026, 2, 11, 9, 30, 0).getTime());
		expect(parseSyncWindow(undefined)).toBeNull();
		expect(parseSyncWindow('0-24')).toBeNull();
		expect(() => parseSyncWindow('10-24:30')).toThrow(/24:00/);
		expect(() => parseSyncWindow('25-02')).toThrow(/SYNC_HOURS/);
		expect(() => parseSyncWindow('8-8')).toThrow(/empty/);
	});
});
