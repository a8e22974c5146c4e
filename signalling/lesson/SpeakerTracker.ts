import type { EventActor, EventBus } from '../../core/EventBus.ts';
import type { ActiveSpeaker, PublishedTrack, ServerNotifications } from '../../protocol/index.ts';

export interface SpeakerTrackerDeps {
	lessonId: string;
	bus: EventBus;
	/** The tracks published now (the loudest producer is looked up among them). */
	tracks(): PublishedTrack[];
	/** Who is connected now, as an event actor (null when gone). */
	actorOf(participantId: string): EventActor | null;
	toLesson<N extends keyof ServerNotifications>(name: N, payload: ServerNotifications[N]): void;
}

/**
 * Follows the loudest audio producer: publishes a `speaking.segment` event when someone stops
 * being the loudest, and tells the lesson who the active speaker is when that changes.
 */
export class SpeakerTracker {
	readonly #deps: SpeakerTrackerDeps;
	#speaker: { participantId: string; since: number } | null = null;
	#lastAnnounced: string | null = null;

	constructor(deps: SpeakerTrackerDeps) {
		this.#deps = deps;
	}

	/** The loudest producer now, or null in silence. */
	loudest(loudest: { producerId: string; volume: number } | null): void {
		const { bus, lessonId } = this.#deps;
		const track = loudest ? this.#deps.tracks().find((t) => t.producerId === loudest.producerId) : undefined;
		const participantId = track?.participantId ?? null;
		const now = Date.now();
		if (this.#speaker && this.#speaker.participantId !== participantId) {
			const actor = this.#deps.actorOf(this.#speaker.participantId);
			if (actor) {
				bus.publish(lessonId, 'speaking.segment', actor, {
					participantId: this.#speaker.participantId,
					startedAt: this.#speaker.since,
					durationMs: now - this.#speaker.since
				});
			}
			this.#speaker = null;
		}
		if (participantId && !this.#speaker) this.#speaker = { participantId, since: now };
		if (participantId === this.#lastAnnounced) return;
		this.#lastAnnounced = participantId;
		const active: ActiveSpeaker = { participantId, classroomId: track?.classroomId ?? null, volume: loudest?.volume ?? null };
		this.#deps.toLesson('speaker.active', active);
	}
}
