import type { identityEn } from './identity.en.ts';

/** 简体中文 for claims on held names and removing typed names; spread into zh-CN.ts. */
export const identityZhCN: Record<keyof typeof identityEn, string> = {
	'claim.title': '请让助教老师确认是你',
	'claim.body': '已经有另一部手机用“{name}”加入了。{room}的助教老师现在能看到你的请求，请让老师确认。',
	'claim.waiting': '正在等待助教老师确认…',
	'claim.expiresIn': '请求将在 {time} 后失效。',
	'claim.cancel': '取消',
	'claim.denied': '助教老师没有确认你是“{name}”。请点选你自己的名字；名单里没有的话，请输入你的名字。',
	'claim.expired': '没有人及时确认。请再试一次，或者问问助教老师。',
	'claim.offline': '网络断开——仍在等待，正在重试…',
	'join.error.typed_names_full': '这节课本教室不能再添加输入的名字了。请让助教老师把你的名字加进班级名单，然后点选它。',
	'join.error.too_many_claims': '本教室等待确认的手机太多了，请问问助教老师。',

	'claims.title': '等待确认加入',
	'claims.count': '{count} 个等待',
	'claims.card': '有手机想以“{name}”的身份加入',
	'claims.hint': '之前已有另一部手机用这个名字加入。只有确定是这位学生本人（比如换了手机）时才同意。',
	'claims.room': '教室：{room}',
	'claims.askedAt': '{time} 提出',
	'claims.approve': '同意',
	'claims.deny': '拒绝',

	'assist.remove': '删除',
	'assist.removeName': '删除 {name}',
	'assist.removeAllTyped': '删除全部输入的名字（{count}）',
	'assist.removeAllConfirm': '删除全部 {count} 个输入的名字吗？这些手机需要重新加入。',
	'assist.removeConfirm': '确定删除',
	'assist.keep': '保留'
};
