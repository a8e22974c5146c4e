import type { Socket } from 'socket.io';
import type { Participant, PublishedTrack } from '../../protocol/index.ts';
import type { ConsumerParameters, RtpCapabilities } from '../../sfu/index.ts';

/** A consumer this peer receives, by id, with the layer the media policy chose for it. */
export interface PeerConsumer {
	readonly id: string;
	readonly producerId: string;
	readonly type: ConsumerParameters['type'];
	/** The layer the lesson state asks for (stage, audio-only). */
	policyLayer: number | undefined;
	/** The layer asked for last, by the policy or by the viewer. */
	targetLayer: number | undefined;
}

/** One connected participant on this node: their socket and the ids of their media. */
export class Peer {
	readonly participant: Participant;
	socket: Socket;
	/** transportId → which way it carries media. */
	readonly transports = new Map<string, { direction: 'send' | 'recv' }>();
	readonly tracks = new Map<string, PublishedTrack>();
	/** producerId → consumer this peer receives it through. */
	readonly consumers = new Map<string, PeerConsumer>();
	rtpCapabilities: RtpCapabilities | null = null;
	/** Serialises consumer reconciliation so one producer never gets two consumers. */
	reconciling: Promise<void> = Promise.resolve();

	constructor(participant: Participant, socket: Socket) {
		this.participant = participant;
		this.socket = socket;
	}

	get id(): string {
		return this.participant.id;
	}

	/** The cluster node the participant's socket came through, when another node forwarded it: their media is held there. */
	get edgeNodeId(): string | undefined {
		const id = (this.socket.data as { edgeNodeId?: unknown }).edgeNodeId;
		return typeof id === 'string' ? id : undefined;
	}

	/** The newest receiving transport (closed ones leave the map as they close). */
	get recvTransportId(): string | undefined {
		let latest: string | undefined;
		for (const [id, { direction }] of this.transports) if (direction === 'recv') latest = id;
		return latest;
	}

	ownsTransport(transportId: string, direction?: 'send' | 'recv'): boolean {
		const entry = this.transports.get(transportId);
		return !!entry && (!direction || entry.direction === direction);
	}

	consumerById(consumerId: string): PeerConsumer | undefined {
		for (const consumer of this.consumers.values()) if (consumer.id === consumerId) return consumer;
		return undefined;
	}

	/** Forgets every media id (the media itself is closed by whoever holds the lesson's media). */
	forgetMedia(): void {
		this.transports.clear();
		this.tracks.clear();
		this.consumers.clear();
		this.rtpCapabilities = null;
	}
}
