import { afterEach, describe, expect, it } from 'vitest';
import { AnalyticsStore } from './AnalyticsStore.ts';
import { Summarizer } from './Summarizer.ts';

describe('Summarizer runs', () => {
	const unhandled: unknown[] = [];
	const onUnhandled = (reason: unknown) => unhandled.push(reason);
	afterEach(() => {
		process.off('unhandledRejection', onUnhandled);
		unhandled.length = 0;
	});

	it('a failed run (the store closed under it) rejects to its caller only', async () => {
		process.on('unhandledRejection', onUnhandled);
		const store = await AnalyticsStore.open(':memory:');
		const summarizer = new Summarizer(store, 0);
		expect(await summarizer.run(true)).toBe(0);
		store.close();
		await expect(summarizer.run(true)).rejects.toThrow(/closed/);
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(unhandled).toEqual([]);
		await summarizer.idle();
	});
});
