import { describe, expect, it } from 'vitest';
import { NO_FILTERS, toQuery } from './filters.ts';

describe('toQuery', () => {
	it('leaves blanks out', () => {
		expect(toQuery(NO_FILTERS)).toEqual({});
		expect(toQuery({ ...NO_FILTERS, q: '  ', teacher: ' 陈 ' })).toEqual({ teacher: '陈' });
	});
	it('turns a date range into the first and last ms of those local days', () => {
		const query = toQuery({ ...NO_FILTERS, from: '2026-11-02', to: '2026-11-02' });
		expect(query.from).toBe(new Date(2026, 10, 2).getTime());
		expect(query.to).toBe(new Date(2026, 10, 3).getTime() - 1);
	});
});
