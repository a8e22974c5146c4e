import type { Consumer, RtpCapabilities, WebRtcTransport } from '../../sfu/types.ts';
import type { Socket } from 'socket.io';
import type { Participant, PublishedTrack } from '../../protocol/index.ts';

/** One connected participant on this node: their socket and their media objects. */
export class Peer {
	readonly participant: Participant;
	socket: Socket;
	readonly transports = new Map<string, { transport: WebRtcTransport; direction: 'send' | 'recv' }>();
	readonly tracks = new Map<string, PublishedTrack>();
	/** producerId → consumer this peer receives it through. */
	readonly consumers = new Map<string, Consumer>();
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

	get recvTransport(): WebRtcTransport | undefined {
		let latest: WebRtcTransport | undefined;
		for (const { transport, direction } of this.transports.values()) {
			if (direction === 'recv' && !transport.closed) latest = transport;
		}
		return latest;
	}

	ownsTransport(transportId: string, direction?: 'send' | 'recv'): boolean {
		const entry = this.transports.get(transportId);
		return !!entry && (!direction || entry.direction === direction);
	}

	consumerById(consumerId: string): Consumer | undefined {
		for (const consumer of this.consumers.values()) if (consumer.id === consumerId) return consumer;
		return undefined;
	}

	/** Drops every media object (the router may already be gone). */
	closeMedia(): void {
		for (const { transport } of this.transports.values()) transport.close();
		this.transports.clear();
		this.tracks.clear();
		this.consumers.clear();
		this.rtpCapabilities = null;
	}
}
