import { describe, expect, it } from 'vitest';
import { en } from './en.ts';
import { zhCN } from './zh-CN.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('dictionaries', () => {
	it('have the same keys and no empty text', () => {
		expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
		for (const [key, text] of Object.entries(zhCN)) expect(text.trim(), key).not.toBe('');
	});
	it('use the same placeholders in both languages', () => {
		for (const key of Object.keys(en) as (keyof typeof en)[]) {
			expect(placeholders(zhCN[key]), key).toEqual(placeholders(en[key]));
		}
	});
});
