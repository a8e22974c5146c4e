import type { pluralEn } from './plural.en.ts';

/** Chinese has one form: the same text for every count. */
export const pluralZhCN: Record<keyof typeof pluralEn, string> = {
	'lessons.classroomCount#one': '{count} 间教室',
	'surface.pages#one': '{count} 页',
	'surface.cleared#one': '已清除 {count} 处笔迹。',
	'poll.answeredCount#one': '共 {count} 个回答',
	'assist.removeAllConfirm#one': '删除全部 {count} 个输入的名字吗？这些手机需要重新加入。',
	'library.count#one': '{count} 节课',
	'library.notes#one': '{count} 条备注',
	'replay.gapsNote#one': '录制中有 {count} 处短暂中断（进度条上的斜线部分）。',
	'replay.notesNote#one': '录制程序对这节课留下了 {count} 条备注（悬停查看）。',
	'replay.hands#one': '教室举手计数 {count}'
};
