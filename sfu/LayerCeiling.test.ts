import { describe, expect, it } from 'vitest';
import { LayerCeiling, STEP_DOWN_HOLD_MS, STEP_UP_AFTER_MS } from './LayerCeiling.ts';

describe('LayerCeiling: simulcast layers follow the consumer score', () => {
	it('steps down one layer per hold period on poor scores, never below 0', () => {
		const c = new LayerCeiling(2);
		expect(c.onScore(3, 10, 0)).toBe(1);
		expect(c.onScore(3, 10, 100)).toBeNull();
		expect(c.onScore(2, 10, STEP_DOWN_HOLD_MS)).toBe(0);
		expect(c.onScore(1, 10, STEP_DOWN_HOLD_MS * 3)).toBeNull();
		expect(c.layer).toBe(0);
	});

	it('does not punish the viewer for a poor sender', () => {
		const c = new LayerCeiling(2);
		expect(c.onScore(2, 3, 0)).toBeNull();
		expect(c.layer).toBe(2);
	});

	it('steps back up after a stretch of good scores, up to the target only', () => {
		const c = new LayerCeiling(1);
		c.onScore(2, 10, 0);
		expect(c.layer).toBe(0);
		expect(c.onScore(9, 10, 1000)).toBeNull();
		expect(c.onScore(9, 10, 1000 + STEP_UP_AFTER_MS - 1)).toBeNull();
		expect(c.onScore(9, 10, 1000 + STEP_UP_AFTER_MS)).toBe(1);
		expect(c.onScore(10, 10, 1000 + STEP_UP_AFTER_MS * 3)).toBeNull();
		expect(c.layer).toBe(1);
	});

	it('a middling score interrupts the good stretch', () => {
		const c = new LayerCeiling(2);
		c.onScore(2, 10, 0);
		c.onScore(9, 10, 1000);
		c.onScore(6, 10, 4000);
		// The stretch restarts at the first good score after the interruption (t = 1000 + STEP_UP_AFTER_MS).
		const restart = 1000 + STEP_UP_AFTER_MS;
		expect(c.onScore(9, 10, restart)).toBeNull();
		expect(c.onScore(9, 10, restart + STEP_UP_AFTER_MS - 1)).toBeNull();
		expect(c.onScore(9, 10, restart + STEP_UP_AFTER_MS)).toBe(2);
	});

	it('a new target takes effect at once, and raising it lifts the ceiling', () => {
		const c = new LayerCeiling(2);
		c.setTarget(0);
		expect(c.layer).toBe(0);
		c.setTarget(2);
		expect(c.layer).toBe(2);
	});
});
