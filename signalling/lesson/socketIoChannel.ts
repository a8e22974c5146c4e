import type { Server } from 'socket.io';
import type { LessonChannel } from './LessonChannel.ts';
import { lessonAudience } from './LessonChannel.ts';
import { lessonSocketsRoom } from './socketRooms.ts';

/**
 * A lesson's channel over socket.io: each audience is a room of the same name (shared across
 * nodes with the Redis adapter); one socket is reached on this node, where it is connected.
 */
export function socketIoChannel(io: Server, lessonId: string): LessonChannel {
	const socket = (socketId: string) => io.sockets.sockets.get(socketId);
	return {
		toLesson: (name, payload) => void io.to(lessonAudience(lessonId)).emit(name, payload),
		toAudiences: (audiences, name, payload) => {
			if (audiences.length > 0) io.to([...audiences]).emit(name, payload);
		},
		toSocket: (socketId, name, payload) => void socket(socketId)?.emit(name, payload),
		join: (socketId, audiences) => void socket(socketId)?.join([...audiences]),
		replace: (socketId) => {
			const replaced = socket(socketId);
			if (!replaced) return;
			replaced.data.replaced = true;
			replaced.emit('session.replaced', {});
			replaced.disconnect(true);
		},
		closeAll: () => io.in([lessonAudience(lessonId), lessonSocketsRoom(lessonId)]).disconnectSockets(true)
	};
}
