import type { Socket } from 'socket.io';
import type { EventActor, EventBus } from '../../core/EventBus.ts';
import { inBackground } from '../../core/background.ts';
import { moduleLogger } from '../../core/logger.ts';
import type { LessonClassroom, LessonRecord, Participant } from '../../protocol/index.ts';
import type { LessonGrant } from '../auth/TokenService.ts';
import type { CatalogStore } from '../catalog/CatalogStore.ts';
import type { LessonStore } from '../store/LessonStore.ts';
import { commit, pending, type CommitTarget } from './commit.ts';
import type { LessonChannel } from './LessonChannel.ts';
import { lessonAudience, roleAudience } from './LessonChannel.ts';
import { Peer } from './Peer.ts';

const log = moduleLogger('presence');

export interface PresenceDeps {
	record: LessonRecord;
	classrooms: readonly LessonClassroom[];
	store: LessonStore;
	bus: EventBus;
	catalog: CatalogStore;
	channel: LessonChannel;
	reconnectGraceMs: number;
	ended(): boolean;
	changed(scope: 'all' | 'roster'): void;
	/** A peer's media goes (a replaced connection, a closed socket). */
	dropPeerMedia(peer: Peer): void;
	/** Nobody is connected and nobody is within the reconnect grace any more. */
	emptied(): Promise<void>;
}

/** Who is in a lesson on this node: peers, the reconnect grace of those who dropped, their names. */
export class Presence {
	readonly peers = new Map<string, Peer>();
	readonly #leaveTimers = new Map<string, NodeJS.Timeout>();
	readonly #deps: PresenceDeps;
	/** What presence changes commit through. */
	readonly #lesson: CommitTarget;

	constructor(deps: PresenceDeps) {
		this.#deps = deps;
		this.#lesson = { lessonId: deps.record.id, bus: deps.bus, changed: deps.changed };
	}

	get #lessonId(): string {
		return this.#deps.record.id;
	}

	get isEmpty(): boolean {
		return this.peers.size === 0 && this.#leaveTimers.size === 0;
	}

	/** A connection joins: its peer replaces any earlier one of the same identity. */
	async join(socket: Socket, grant: LessonGrant, displayName: string | undefined): Promise<Peer> {
		const { channel, store, catalog } = this.#deps;
		const participantId = socket.data.participantId as string;
		const existing = this.peers.get(participantId);
		let rejoin = this.#leaveTimers.has(participantId);
		if (existing && existing.socket.id !== socket.id) {
			// A new connection for the same identity (a reconnect, or the link opened elsewhere).
			rejoin = true;
			channel.replace(existing.socket.id);
			this.#deps.dropPeerMedia(existing);
		} else if (existing) {
			// The same socket joins again (e.g. after media.reset): fresh media, same identity.
			rejoin = true;
			this.#deps.dropPeerMedia(existing);
		}
		clearTimeout(this.#leaveTimers.get(participantId));
		this.#leaveTimers.delete(participantId);

		const participant: Participant = {
			id: participantId,
			role: grant.role,
			classroomId: grant.classroomId,
			// A student is called what the class list says, whatever the phone sends.
			displayName: (grant.role === 'student' ? undefined : displayName) ?? this.#defaultName(grant),
			online: true,
			joinedAt: existing?.participant.joinedAt ?? Date.now()
		};
		const peer = new Peer(participant, socket);
		this.peers.set(participantId, peer);
		const lessonId = this.#lessonId;
		channel.join(socket.id, [lessonAudience(lessonId), roleAudience(lessonId, grant.role), ...(grant.classroomId ? [roleAudience(lessonId, grant.role, grant.classroomId)] : [])]);
		// Observers watch unseen, each connection an identity of its own: nothing of them is kept.
		if (grant.role !== 'observer') await store.putParticipant(lessonId, participant);
		if (catalog.lesson(lessonId)?.status === 'scheduled') {
			await catalog.setLessonStatus(lessonId, 'live').catch((error: Error) => log.warn({ lessonId, err: error.message }, 'lesson not marked live'));
		}
		this.#deps.bus.publish(lessonId, 'participant.joined', actorOf(participant), { displayName: participant.displayName, rejoin, joinedAt: participant.joinedAt });
		log.info({ lessonId, participantId, role: grant.role, rejoin }, 'joined');
		return peer;
	}

	/** The socket closed: media goes at once; identity, hand and presence wait out the grace period. */
	async disconnected(socket: Socket): Promise<void> {
		const lessonId = this.#lessonId;
		const participantId = socket.data.participantId as string;
		const peer = this.peers.get(participantId);
		if (!peer || peer.socket.id !== socket.id) return;
		this.#deps.dropPeerMedia(peer);
		this.peers.delete(participantId);
		if (this.#deps.ended()) return; // nobody comes back to an ended lesson
		if (peer.participant.role === 'observer') {
			// An observer's next connection is a new identity: there is no place to keep for it.
			await this.#left(peer.participant, 'disconnect');
			return;
		}
		const offline = { ...peer.participant, online: false };
		await commit(this.#lesson, actorOf(offline), {
			apply: () => this.#deps.store.putParticipant(lessonId, offline),
			events: () => [pending('participant.away', {})],
			broadcast: offline.role === 'student' ? 'roster' : 'all'
		});
		this.#leaveTimers.set(
			participantId,
			setTimeout(() => inBackground(log, 'leaving after the grace', this.#left(offline, 'timeout'), { lessonId, participantId }), this.#deps.reconnectGraceMs)
		);
	}

	async #left(participant: Participant, reason: 'timeout' | 'disconnect'): Promise<void> {
		const lessonId = this.#lessonId;
		this.#leaveTimers.delete(participant.id);
		if (this.peers.has(participant.id)) return;
		await commit(this.#lesson, actorOf(participant), {
			apply: () => this.#deps.store.lowerHand(lessonId, participant.id),
			events: (hand) => [...(hand ? [pending('hand.lowered', { participantId: participant.id, by: 'leave' })] : []), pending('participant.left', { reason })],
			broadcast: (hand) => (participant.role === 'observer' ? 'none' : hand || participant.role !== 'student' ? 'all' : 'roster')
		});
		if (this.isEmpty) await this.#deps.emptied();
	}

	/** Stops waiting for anyone to come back. */
	forgetAbsent(): void {
		for (const timer of this.#leaveTimers.values()) clearTimeout(timer);
		this.#leaveTimers.clear();
	}

	#defaultName(grant: LessonGrant): string {
		const classroom = grant.classroomId ? this.#deps.classrooms.find((c) => c.id === grant.classroomId) : undefined;
		switch (grant.role) {
			case 'teacher':
				return this.#deps.record.teacherName;
			case 'classroom':
				return classroom?.name ?? 'Classroom';
			case 'assistant':
				// The role badge in every view says "assistant" in the viewer's language.
				return classroom?.name ?? 'Assistant';
			case 'observer':
				return 'Observer';
			case 'student':
				return this.#deps.catalog.resolveStudent(grant.participantId)?.name ?? 'Student';
			default:
				return 'Student';
		}
	}
}

export function actorOf(participant: Participant): EventActor {
	return { actor: participant.id, role: participant.role, classroomId: participant.classroomId };
}
