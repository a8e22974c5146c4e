import { describe, expect, it } from 'vitest';
import { BackoffReconnectPolicy } from './reconnect-policy.ts';

describe('BackoffReconnectPolicy', () => {
	it('grows from the base delay and never passes the cap (with jitter)', () => {
		const policy = new BackoffReconnectPolicy({ baseMs: 500, maxMs: 2000, jitter: 0.3 });
		for (let attempt = 0; attempt < 50; attempt++) {
			const delay = policy.nextDelayMs(attempt);
			const raw = Math.min(2000, 500 * 2 ** attempt);
			expect(delay).toBeGreaterThanOrEqual(raw * 0.7 - 1);
			expect(delay).toBeLessThanOrEqual(raw * 1.3 + 1);
		}
	});

	it('is exact without jitter', () => {
		const policy = new BackoffReconnectPolicy({ baseMs: 250, maxMs: 1000, jitter: 0 });
		expect([0, 1, 2, 3, 10].map((a) => policy.nextDelayMs(a))).toEqual([250, 500, 1000, 1000, 1000]);
	});

	it('retries forever on the socket, with the same timing', () => {
		const options = new BackoffReconnectPolicy({ baseMs: 500, maxMs: 2000, jitter: 0.3, attemptTimeoutMs: 6000 }).socketOptions();
		expect(options).toMatchObject({
			reconnection: true,
			reconnectionAttempts: Infinity,
			reconnectionDelay: 500,
			reconnectionDelayMax: 2000,
			randomizationFactor: 0.3,
			timeout: 6000
		});
		// socket.io's own default (20 s) would let an attempt opened in an outage hang long after the link is back.
		expect(new BackoffReconnectPolicy().socketOptions().timeout).toBeLessThanOrEqual(10_000);
	});

	it('covers a 30 s outage with many attempts', () => {
		const policy = new BackoffReconnectPolicy();
		let elapsed = 0;
		let attempts = 0;
		while (elapsed < 30_000) elapsed += policy.nextDelayMs(attempts++);
		expect(attempts).toBeGreaterThan(12);
	});
});
