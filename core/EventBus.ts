import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
	CLASSROOM_EVENT_VERSION,
	ClassroomEventSchema,
	type ClassroomEvent,
	type ClassroomEventOf,
	type ClassroomEventType,
	type Role
} from '../protocol/index.ts';
import { moduleLogger } from './logger.ts';

const log = moduleLogger('events');

export interface EventActor {
	actor: string;
	role: Role | 'system';
	classroomId: string | null;
}

export const SYSTEM_ACTOR: EventActor = { actor: 'system', role: 'system', classroomId: null };

/**
 * The in-process stream of ClassroomEvents. Every state change publishes one; the recorder and
 * analytics subscribe. Each event is validated against its schema before it leaves, so a bad
 * event is a bug caught here, not a corrupt record downstream.
 */
export class EventBus extends EventEmitter<{ event: [ClassroomEvent] }> {
	#published = 0;

	get published(): number {
		return this.#published;
	}

	publish<T extends ClassroomEventType>(
		lessonId: string,
		type: T,
		by: EventActor,
		data: ClassroomEventOf<T>['data'],
		at: number = Date.now()
	): ClassroomEventOf<T> {
		const event = {
			v: CLASSROOM_EVENT_VERSION,
			id: randomUUID(),
			lessonId,
			at,
			type,
			actor: by.actor,
			role: by.role,
			classroomId: by.classroomId,
			data
		} as ClassroomEventOf<T>;
		const checked = ClassroomEventSchema.safeParse(event);
		if (!checked.success) {
			log.error({ type, issues: checked.error.issues }, 'dropping an invalid ClassroomEvent');
			throw new Error(`invalid ClassroomEvent ${type}`);
		}
		this.#published++;
		this.emit('event', event);
		return event;
	}
}
