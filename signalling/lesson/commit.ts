import type { EventActor, EventBus } from '../../core/EventBus.ts';
import type { ClassroomEventOf, ClassroomEventType } from '../../protocol/index.ts';

/** An event a change will publish: its type and data, and, where it differs from the change's, its actor and time. */
export type PendingEvent = {
	[T in ClassroomEventType]: { type: T; data: ClassroomEventOf<T>['data']; by?: EventActor; at?: number };
}[ClassroomEventType];

/** Builds a PendingEvent with its data typed by its type. */
export function pending<T extends ClassroomEventType>(type: T, data: ClassroomEventOf<T>['data'], options: { by?: EventActor; at?: number } = {}): PendingEvent {
	return { type, data, ...options } as PendingEvent;
}

/** Who sees the new snapshot: everyone, everyone but the students' phones (roster-only changes), or nobody. */
export type BroadcastScope = 'all' | 'roster' | 'none';

/** A state change of a live lesson, already validated and allowed for its sender's role. */
export interface Change<R> {
	/** Changes the lesson store (or the catalog) and returns what the change's events and answer need. */
	apply(): Promise<R>;
	/** The events the change publishes; none when it changed nothing (a hand already up, the same page). */
	events(result: R): PendingEvent[];
	/** Default 'all'. */
	broadcast?: BroadcastScope | ((result: R) => BroadcastScope);
	/** Notifications beyond the snapshot (a chat message, a class list), sent after the events. */
	notify?(result: R): void | Promise<void>;
}

/** What a commit needs of the lesson. */
export interface CommitTarget {
	readonly lessonId: string;
	readonly bus: EventBus;
	changed(scope?: 'all' | 'roster'): void;
}

/**
 * The one way a live lesson's state changes: store, then the change's events, then the screens.
 * A change that publishes no event broadcasts nothing, so nothing reaches a screen that the event
 * stream (the recorder, analytics, a replay) does not also see.
 */
export async function commit<R>(target: CommitTarget, by: EventActor, change: Change<R>): Promise<R> {
	const result = await change.apply();
	const events = change.events(result);
	for (const event of events) target.bus.publish(target.lessonId, event.type, event.by ?? by, event.data as never, event.at);
	if (events.length > 0) {
		const scope = typeof change.broadcast === 'function' ? change.broadcast(result) : (change.broadcast ?? 'all');
		if (scope !== 'none') target.changed(scope);
		await change.notify?.(result);
	}
	return result;
}
