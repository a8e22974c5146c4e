import { afterEach, describe, expect, it } from 'vitest';
import { i18n, t } from './index.svelte.ts';

describe('plural forms (Intl.PluralRules)', () => {
	afterEach(() => i18n.set('en'));

	it('English says "1 classroom", "1 page", "1 answer" and "2 pages"', () => {
		i18n.set('en');
		expect(t('lessons.classroomCount', { count: 1 })).toBe('1 classroom');
		expect(t('surface.pages', { count: 1 })).toBe('1 page');
		expect(t('poll.answeredCount', { count: 1 })).toBe('1 answer');
		expect(t('surface.pages', { count: 2 })).toBe('2 pages');
		expect(t('lessons.classroomCount', { count: 0 })).toBe('0 classrooms');
	});

	it('Chinese has one form', () => {
		i18n.set('zh-CN');
		expect(t('surface.pages', { count: 1 })).toBe('1 页');
		expect(t('surface.pages', { count: 3 })).toBe('3 页');
	});

	it('a count given as text is not pluralised (no guessing)', () => {
		i18n.set('en');
		expect(t('surface.pages', { count: '1' })).toBe('1 pages');
	});
});
