import { describe, expect, it } from 'vitest';
import { fileNameOf, filterQuery, withQuery } from './analytics-api.ts';

describe('analytics API queries', () => {
	it('sends only the filters that are set, rooms comma-separated', () => {
		expect(withQuery('/api/analytics/lessons', filterQuery({ from: '', to: '', classroomIds: [] }))).toBe('/api/analytics/lessons');
		expect(withQuery('/api/analytics/trends', { scope: 'school', ...filterQuery({ from: '2026-03-01', to: '2026-03-31', classroomIds: ['cls_a', 'cls_b'] }) })).toBe(
			'/api/analytics/trends?scope=school&from=2026-03-01&to=2026-03-31&classroomId=cls_a%2Ccls_b'
		);
		expect(withQuery('/x', { lessons: 6, drop: 0.2 })).toBe('/x?lessons=6&drop=0.2');
	});

	it('names a download as the server says, UTF-8 names included', () => {
		const named = (value: string) => new Response('', { headers: { 'content-disposition': value } });
		expect(fileNameOf(named('attachment; filename="classbridge-events.csv"'), 'x')).toBe('classbridge-events.csv');
		expect(fileNameOf(named(`attachment; filename="a.csv"; filename*=UTF-8''${encodeURIComponent('课程.csv')}`), 'x')).toBe('课程.csv');
		expect(fileNameOf(new Response(''), 'fallback.parquet')).toBe('fallback.parquet');
	});
});
