import type { recordingEn } from './recording.en.ts';

/** 简体中文 for the recording pages; spread into zh-CN.ts. */
export const recordingZhCN: Record<keyof typeof recordingEn, string> = {
	'nav.recording': '课程回放库'
};
