import type { Peer, PeerConsumer } from './Peer.ts';

/** How long an old consumer keeps playing after its successor was resumed (the successor's jitter buffer fills meanwhile). */
export const HANDOVER_MS = 1_500;
/** The old consumer goes after this at the latest, should the client never resume the successor. */
export const HANDOVER_LIMIT_MS = 10_000;

interface Pending {
	peer: Peer;
	old: PeerConsumer;
	timer: NodeJS.Timeout;
}

/**
 * Make-before-break for a consumer that a new one replaces with the same media: a room's teacher
 * audio moving onto its FEC relay when the room falls back to audio + slides, and back off it when
 * video returns. Closing the old consumer first left the room without the teacher for about 1.1 s
 * (the new consumer's offer, resume and first packets over a slow link); kept until the successor
 * has played for HANDOVER_MS, it is not heard missing. The client keeps the newer one muted while
 * both are there (AudioSink).
 */
export class ConsumerHandover {
	readonly #retire: (peer: Peer, old: PeerConsumer) => void;
	/** successor consumer id → the consumer it replaces. */
	readonly #pending = new Map<string, Pending>();

	constructor(retire: (peer: Peer, old: PeerConsumer) => void) {
		this.#retire = retire;
	}

	begin(peer: Peer, old: PeerConsumer, successorId: string): void {
		this.#pending.set(successorId, { peer, old, timer: this.#after(successorId, HANDOVER_LIMIT_MS) });
	}

	/** The client resumed a consumer: if it is a successor, its predecessor goes HANDOVER_MS later. */
	resumed(consumerId: string): void {
		const pending = this.#pending.get(consumerId);
		if (!pending) return;
		clearTimeout(pending.timer);
		pending.timer = this.#after(consumerId, HANDOVER_MS);
	}

	/** Every pending predecessor goes now (the lesson's media is gone). */
	clear(): void {
		for (const pending of this.#pending.values()) clearTimeout(pending.timer);
		this.#pending.clear();
	}

	#after(successorId: string, ms: number): NodeJS.Timeout {
		const timer = setTimeout(() => {
			const pending = this.#pending.get(successorId);
			this.#pending.delete(successorId);
			if (pending) this.#retire(pending.peer, pending.old);
		}, ms);
		timer.unref();
		return timer;
	}
}
