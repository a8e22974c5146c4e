import { moduleLogger } from '../../core/logger.ts';
import type { LessonClassroom, LessonSnapshot, Role, ServerNotifications } from '../../protocol/index.ts';
import { snapshotFor } from './audience.ts';
import { roleAudience, type LessonChannel } from './LessonChannel.ts';

const log = moduleLogger('broadcaster');

export interface BroadcasterDeps {
	lessonId: string;
	classrooms: readonly LessonClassroom[];
	channel: LessonChannel;
	/** The full snapshot, as the teacher sees it. */
	snapshot(): Promise<LessonSnapshot>;
	/** Runs after each broadcast (the media policy follows the same changes). */
	afterBroadcast(): void;
}

/**
 * Sends a lesson's snapshot to each audience, cut to what it may see, coalescing the changes made
 * within one turn of the event loop into one broadcast.
 */
export class Broadcaster {
	readonly #deps: BroadcasterDeps;
	#queued = false;
	/** Whether a pending change may matter to students (their snapshot leaves the other students out). */
	#studentsStale = false;

	constructor(deps: BroadcasterDeps) {
		this.#deps = deps;
	}

	roleAudience(role: Role, classroomId?: string | null): string {
		return roleAudience(this.#deps.lessonId, role, classroomId);
	}

	/**
	 * 'roster': only a student came or went, which students' own snapshots do not show, so phones
	 * are not sent one.
	 */
	changed(scope: 'all' | 'roster'): void {
		if (scope === 'all') this.#studentsStale = true;
		if (this.#queued) return;
		this.#queued = true;
		setImmediate(() => {
			this.#queued = false;
			void this.#broadcast();
		});
	}

	async #broadcast(): Promise<void> {
		const { classrooms } = this.#deps;
		const toStudents = this.#studentsStale;
		this.#studentsStale = false;
		try {
			const snapshot = await this.#deps.snapshot();
			this.#send([this.roleAudience('teacher'), this.roleAudience('observer')], snapshot);
			for (const classroom of classrooms) {
				const audiences = [this.roleAudience('classroom', classroom.id), this.roleAudience('assistant', classroom.id)];
				this.#send(audiences, snapshotFor(snapshot, 'classroom', classroom.id));
				// Students get a slimmer snapshot, and only when something they see may have changed.
				if (toStudents) this.#send([this.roleAudience('student', classroom.id)], snapshotFor(snapshot, 'student', classroom.id));
			}
			this.#deps.afterBroadcast();
		} catch (error) {
			this.#studentsStale ||= toStudents;
			log.error({ lessonId: this.#deps.lessonId, err: (error as Error).message }, 'snapshot failed');
		}
	}

	#send(audiences: string[], snapshot: ServerNotifications['lesson.snapshot']): void {
		this.#deps.channel.toAudiences(audiences, 'lesson.snapshot', snapshot);
	}
}
