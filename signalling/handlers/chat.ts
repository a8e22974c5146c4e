import { forbidden } from '../../core/errors.ts';
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
	await session.store.appendChat(session.lessonId, message, CHAT_HISTORY);
	session.bus.publish(session.lessonId, 'chat.sent', session.actorOf(peer), { messageId: message.id, length: text.length });
	session.notify('all', 'chat.message', message);
	return message;
};

export const setChatMuted: Handler<'chat.setMuted'> = async ({ session, peer }, { muted }) => {
	if (await session.store.setChatMuted(session.lessonId, muted)) {
		session.bus.publish(session.lessonId, 'chat.muted', session.actorOf(peer), { muted });
		session.changed();
	}
	return null;
};
