import { describe, expect, it } from 'vitest';
import { ReplayClock, SPEEDS } from './replay-clock.svelte.ts';

// Node has no animation frames; a timer stands in (the clock's time comes from the wall clock anyway).
globalThis.requestAnimationFrame ??= (cb: FrameRequestCallback) => setTimeout(() => cb(performance.now()), 16) as unknown as number;
globalThis.cancelAnimationFrame ??= (id: number) => clearTimeout(id);

describe('ReplayClock without media (the timeline alone)', () => {
	it('seeks within the recording and skips by steps', () => {
		const clock = new ReplayClock(60_000);
		clock.seek(90_000);
		expect(clock.timeMs).toBe(60_000);
		clock.seek(-5);
		expect(clock.timeMs).toBe(0);
		clock.skip(10_000);
		clock.skip(5000);
		expect(clock.timeMs).toBe(15_000);
	});

	it('steps the speed through 0.5× to 2× and stops at the ends', () => {
		const clock = new ReplayClock(1000);
		expect(clock.rate).toBe(1);
		clock.stepRate(1);
		expect(clock.rate).toBe(1.25);
		for (let i = 0; i < 10; i++) clock.stepRate(1);
		expect(clock.rate).toBe(2);
		for (let i = 0; i < 10; i++) clock.stepRate(-1);
		expect(clock.rate).toBe(0.5);
		expect(SPEEDS[0]).toBe(0.5);
		expect(SPEEDS.at(-1)).toBe(2);
	});

	it('plays on the wall clock at its speed and pauses where it is', async () => {
		const clock = new ReplayClock(60_000);
		clock.setRate(2);
		await clock.play();
		expect(clock.playing).toBe(true);
		const started = performance.now();
		await new Promise((resolve) => setTimeout(resolve, 300));
		clock.pause();
		const elapsed = performance.now() - started;
		expect(clock.playing).toBe(false);
		expect(clock.timeMs).toBeGreaterThanOrEqual(2 * 300 - 20);
		expect(clock.timeMs).toBeLessThanOrEqual(2 * elapsed + 20);
		const paused = clock.timeMs;
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(clock.timeMs).toBe(paused);
		clock.destroy();
	});

	it('stops at the end of the recording', async () => {
		const clock = new ReplayClock(200);
		clock.setRate(2);
		await clock.play();
		await new Promise((resolve) => setTimeout(resolve, 250));
		expect(clock.playing).toBe(false);
		expect(clock.timeMs).toBe(200);
		clock.destroy();
	});
});
