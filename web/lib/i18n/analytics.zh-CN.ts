import type { analyticsEn } from './analytics.en.ts';

/** 简体中文 for the analytics pages; spread into zh-CN.ts. */
export const analyticsZhCN: Record<keyof typeof analyticsEn, string> = {
	'nav.analytics': '数据分析'
};
