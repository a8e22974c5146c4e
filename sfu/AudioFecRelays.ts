import { EventEmitter } from 'node:events';
import type { Producer, Router } from 'mediasoup/types';
import { moduleLogger } from '../core/logger.ts';
import { AudioFecRelay } from './AudioFecRelay.ts';

const log = moduleLogger('audio-fec-relays');

/** After a relay failed to open or died, its source is served as it is for this long. */
export const RETRY_AFTER_MS = 60_000;

export interface AudioFecRelaysEvents {
	/** A relay went while its source lives on: whoever consumed it should consume again. */
	lost: [sourceProducerId: string];
}

/**
 * One lesson's audio FEC relays, one per source producer, opened the first time a lossy room needs
 * it and kept while the source lives. A relay that cannot be had (no ffmpeg, ffmpeg died) leaves the
 * source to be consumed as it is, and is not tried again for RETRY_AFTER_MS.
 */
export class AudioFecRelays extends EventEmitter<AudioFecRelaysEvents> {
	readonly #router: Router;
	readonly #ffmpegPath: string | undefined;
	readonly #relays = new Map<string, Promise<AudioFecRelay | null>>();
	readonly #opened = new Map<string, AudioFecRelay>();
	readonly #failedAt = new Map<string, number>();
	#closed = false;

	constructor(router: Router, ffmpegPath?: string) {
		super();
		this.#router = router;
		this.#ffmpegPath = ffmpegPath;
	}

	/** The relayed producer's id for `source` (opened now if needed), or null: consume the source itself. */
	async relayedId(source: Producer): Promise<string | null> {
		if (this.#closed || source.closed || source.kind !== 'audio') return null;
		const failedAt = this.#failedAt.get(source.id);
		if (failedAt !== undefined && Date.now() - failedAt < RETRY_AFTER_MS) return null;
		let relay = this.#relays.get(source.id);
		if (!relay) {
			relay = this.#open(source);
			this.#relays.set(source.id, relay);
		}
		const open = await relay;
		return open && !open.closed ? open.producerId : null;
	}

	close(): void {
		this.#closed = true;
		for (const relay of this.#opened.values()) relay.close();
		this.#opened.clear();
		this.#relays.clear();
	}

	async #open(source: Producer): Promise<AudioFecRelay | null> {
		try {
			const relay = await AudioFecRelay.open(this.#router, source, this.#ffmpegPath);
			if (this.#closed) {
				relay.close();
				return null;
			}
			this.#opened.set(source.id, relay);
			relay.once('closed', () => {
				this.#opened.delete(source.id);
				this.#relays.delete(source.id);
				if (this.#closed || source.closed) return;
				this.#failedAt.set(source.id, Date.now());
				this.emit('lost', source.id);
			});
			return relay;
		} catch (error) {
			log.warn({ producerId: source.id, err: (error as Error).message }, 'no audio FEC relay; lossy rooms get the audio as it is');
			this.#failedAt.set(source.id, Date.now());
			this.#relays.delete(source.id);
			return null;
		}
	}
}
