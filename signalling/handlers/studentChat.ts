import { forbidden } from '../../core/errors.ts';
import { pending } from '../lesson/commit.ts';
import { CHAT_HISTORY } from '../lesson/LessonSession.ts';
import type { ChatMessage } from '../../protocol/index.ts';
import { sendChat } from './chat.ts';
import type { Handler } from './context.ts';

export const setStudentChat: Handler<'lesson.setStudentChat'> = async ({ session, peer }, { mode }) => {
	await session.commit(peer, {
		apply: () => session.store.setStudentChat(session.lessonId, mode),
		events: (changed) => (changed ? [pending('studentChat.changed', { mode })] : [])
	});
	return null;
};

/**
 * `chat.send` for everyone: students write only as far as the teacher's switch allows. In
 * 'questions' mode a student's message is a question that reaches the teacher, the student's own
 * assistant and the student, nobody else.
 */
export const sendChatOrQuestion: Handler<'chat.send'> = async (ctx, payload) => {
	const { session, peer } = ctx;
	const { participant } = peer;
	if (participant.role !== 'student') return sendChat(ctx, payload);
	const live = await session.store.liveState(session.lessonId);
	if (live.studentChat === 'off') throw forbidden('the teacher has not opened the chat to students');
	if (live.chatMuted) throw forbidden('the teacher has muted the chat');
	if (live.studentChat === 'chat') return sendChat(ctx, payload);
	const message: ChatMessage = {
		id: session.newChatId(),
		participantId: participant.id,
		role: participant.role,
		classroomId: participant.classroomId,
		displayName: participant.displayName,
		text: payload.text,
		at: Date.now(),
		question: true
	};
	return session.commit(peer, {
		apply: async () => {
			await session.store.appendChat(session.lessonId, message, CHAT_HISTORY);
			return message;
		},
		events: () => [pending('question.asked', { messageId: message.id, length: message.text.length, text: message.text, displayName: message.displayName })],
		broadcast: 'none',
		notify: () => {
			session.notifyAudiences([session.roleAudience('teacher'), session.roleAudience('assistant', participant.classroomId)], 'chat.message', message);
			session.notify(peer, 'chat.message', message);
		}
	});
};
