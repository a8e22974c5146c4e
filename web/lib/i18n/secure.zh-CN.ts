import type { secureEn } from './secure.en.ts';

/** 简体中文 for the secure-origin notice; spread into zh-CN.ts. */
export const secureZhCN: Record<keyof typeof secureEn, string> = {
	'secure.title': '此地址下摄像头和麦克风被浏览器禁用',
	'secure.body': '此页面通过不安全的 http 打开（{origin}）。浏览器只允许安全的 https 页面使用摄像头和麦克风，因此本设备无法发送画面和声音，但仍可接收课堂内容。',
	'secure.bodyNoMedia': '此浏览器没有为本页面提供摄像头或麦克风（没有媒体设备）。本设备无法发送画面和声音，但仍可接收课堂内容。',
	'secure.open': '打开安全（https）链接',
	'secure.ask': '没有 https 链接？请向管理员索取本服务器的 https:// 地址，或本设备信任的证书。'
};
