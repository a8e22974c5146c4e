import type { ServerNotifications } from '../../protocol/index.ts';

/**
 * How a live lesson reaches its clients, without knowing the transport. An audience is a name
 * (see `lessonAudience`, `roleAudience`); a socket joins the audiences it belongs to when it joins.
 */
export interface LessonChannel {
	/** Everyone who joined the lesson. */
	toLesson<N extends keyof ServerNotifications>(name: N, payload: ServerNotifications[N]): void;
	/** Everyone in any of these audiences, once each. */
	toAudiences<N extends keyof ServerNotifications>(audiences: readonly string[], name: N, payload: ServerNotifications[N]): void;
	/** One connection. */
	toSocket<N extends keyof ServerNotifications>(socketId: string, name: N, payload: ServerNotifications[N]): void;
	/** Adds a connection to these audiences. */
	join(socketId: string, audiences: readonly string[]): void;
	/** The identity moved to another connection: this one is told, marked replaced, and closed. */
	replace(socketId: string): void;
	/** Closes every connection of the lesson, also those that connected and never joined. */
	closeAll(): void;
}

/** Everyone who joined the lesson. */
export function lessonAudience(lessonId: string): string {
	return `lesson:${lessonId}`;
}

/** One role, or one role in one classroom (every joined connection is in both). */
export function roleAudience(lessonId: string, role: string, classroomId?: string | null): string {
	return classroomId ? `${lessonAudience(lessonId)}:${role}:${classroomId}` : `${lessonAudience(lessonId)}:${role}`;
}
