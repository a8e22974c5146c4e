import { forbidden } from '../../core/errors.ts';
import { pending } from '../lesson/commit.ts';
import { CHAT_HISTORY } from '../lesson/LessonSession.ts';
import type { ChatMessage } from '../../protocol/index.ts';
import type { Handler } from './context.ts';

export const sendChat: Handler<'chat.send'> = async ({ session, peer }, { text }) => {
	const { participant } = peer;
	if (participant.role !== 'teacher') {
		const live = await session.store.liveState(session.lessonId);
		if (live.chatMuted) throw forbidden('the teacher has muted the chat');
	}
	const message: ChatMessage = {
		id: session.newChatId(),
		participantId: participant.id,
		role: participant.role,
		classroomId: participant.classroomId,
		displayName: participant.displayName,
		text,
		at: Date.now()
	};
	return session.commit(peer, {
		apply: async () => {
			await session.store.appendChat(session.lessonId, message, CHAT_HISTORY);
			return message;
		},
		events: () => [pending('chat.sent', { messageId: message.id, length: text.length, text, displayName: message.displayName })],
		broadcast: 'none',
		notify: () => session.notify('all', 'chat.message', message)
	});
};

export const setChatMuted: Handler<'chat.setMuted'> = async ({ session, peer }, { muted }) => {
	await session.commit(peer, {
		apply: () => session.store.setChatMuted(session.lessonId, muted),
		events: (changed) => (changed ? [pending('chat.muted', { muted })] : [])
	});
	return null;
};
