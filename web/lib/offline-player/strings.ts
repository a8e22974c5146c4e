/** The offline player's words (it runs without the app, so it carries its own two dictionaries). */
const EN = {
	title: 'Classbridge lesson (offline)',
	play: 'Play',
	pause: 'Pause',
	speed: 'Speed',
	chapters: 'Chapters',
	chat: 'Chat',
	polls: 'Polls',
	noChat: 'No messages yet',
	noPolls: 'No polls yet',
	slide: '{deck} · page {page}',
	blank: 'Whiteboard',
	teacherVideo: 'Teacher video',
	open: 'open',
	closed: 'closed',
	answered: '{n} answered',
	language: '中文',
	noData: 'This folder has no lesson data (player/lesson.js is missing).',
	question: 'Question'
};
type Key = keyof typeof EN;
const ZH: Record<Key, string> = {
	title: 'Classbridge 课程（离线）',
	play: '播放',
	pause: '暂停',
	speed: '速度',
	chapters: '章节',
	chat: '聊天',
	polls: '投票',
	noChat: '暂无消息',
	noPolls: '暂无投票',
	slide: '{deck} · 第 {page} 页',
	blank: '白板',
	teacherVideo: '教师视频',
	open: '进行中',
	closed: '已结束',
	answered: '{n} 人作答',
	language: 'English',
	noData: '此文件夹没有课程数据（缺少 player/lesson.js）。',
	question: '提问'
};

export type Locale = 'en' | 'zh-CN';

export function detectLocale(): Locale {
	const saved = globalThis.localStorage?.getItem('cb-offline-locale');
	if (saved === 'en' || saved === 'zh-CN') return saved;
	return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export function translate(locale: Locale, key: Key, vars: Record<string, string | number> = {}): string {
	const text = (locale === 'zh-CN' ? ZH : EN)[key];
	return text.replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ''));
}
