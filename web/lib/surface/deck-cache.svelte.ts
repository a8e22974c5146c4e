import type { DeckInfo } from '$protocol';
import { deckFileUrl } from './deck-api.ts';

/** Decks never change under their id, so a cached copy stays good; a new version of the app may rename this. */
const CACHE = 'classbridge-decks-v1';

function storage(): CacheStorage | null {
	// Cache Storage exists only on secure origins (HTTPS, localhost).
	return typeof caches === 'undefined' ? null : caches;
}

/** The deck's PDF from Cache Storage, or null when it is not (yet) there. */
export async function cachedDeck(deckId: string): Promise<Uint8Array | null> {
	const store = storage();
	if (!store) return null;
	try {
		const hit = await (await store.open(CACHE)).match(deckFileUrl(deckId));
		return hit ? new Uint8Array(await hit.arrayBuffer()) : null;
	} catch {
		return null;
	}
}

/**
 * One step of fetching code ahead; it may answer with more steps, which run next among the code
 * (so a deck that turns up meanwhile goes first after the current step, not after all of them).
 */
export type CodeStep = () => Promise<readonly CodeStep[] | void>;

/**
 * The lesson's decks fetched ahead, in the background and at low priority, one at a time, into
 * Cache Storage, so a page turn needs only a page number and a reload costs nothing. `progress`
 * holds each deck's fraction while it downloads; `ready` the decks on this device.
 */
export class DeckCache {
	progress = $state<Record<string, number>>({});
	ready = $state<Record<string, true>>({});
	/** True once every step of code asked for so far is done (fetched, or failed and left to the first showing). */
	codeReady = $state(false);
	readonly #decks: (() => Promise<void>)[] = [];
	readonly #code: CodeStep[] = [];
	#running = false;
	#codeAsked = false;
	readonly #asked = new Set<string>();
	readonly #warm: ((deckId: string, token: string) => Promise<void>) | null;

	/** `warm` readies a cached deck for showing (the slide engine loaded, its first page drawn once). */
	constructor(warm: ((deckId: string, token: string) => Promise<void>) | null = null) {
		this.#warm = warm;
	}

	/** Fetches every deck not cached yet (call again when the list changes). */
	sync(decks: readonly DeckInfo[], token: string): void {
		const store = storage();
		if (!store) return;
		for (const deck of decks) {
			if (this.#asked.has(deck.id)) continue;
			this.#asked.add(deck.id);
			this.#decks.push(() =>
				this.#fetch(store, deck, token).catch(() => {
					// Not cached: the slide still loads from the server when shown; the next sync tries again.
					this.#asked.delete(deck.id);
					delete this.progress[deck.id];
				})
			);
		}
		// A deck that waits for a step of code to finish shows as on its way already.
		if (this.#running) for (const deck of decks) if (this.#asked.has(deck.id) && !this.ready[deck.id]) this.progress[deck.id] ??= 0;
		void this.#pump();
	}

	/**
	 * Fetches the code that showing a deck or a board needs (each named loader once), one step at a
	 * time and after any deck still to fetch, so the first showing does not pull a megabyte or two
	 * across a thin link while the lesson's signalling shares it. A loader that fails is tried again
	 * on the next call; the code then loads when it is first shown, as it would without this.
	 */
	prefetchCode(loaders: Readonly<Record<string, CodeStep>>): void {
		this.#codeAsked = true;
		for (const [name, load] of Object.entries(loaders)) {
			const key = `code:${name}`;
			if (this.#asked.has(key)) continue;
			this.#asked.add(key);
			this.#code.push(async () => {
				try {
					return await load();
				} catch {
					this.#asked.delete(key);
				}
			});
		}
		void this.#pump();
	}

	/** One download at a time: decks first, then the code's next step. */
	async #pump(): Promise<void> {
		if (this.#running) return;
		this.#running = true;
		try {
			for (;;) {
				const deck = this.#decks.shift();
				if (deck) {
					await deck();
					continue;
				}
				const step = this.#code.shift();
				if (!step) {
					this.codeReady = this.#codeAsked;
					return;
				}
				this.codeReady = false;
				const more = await step().catch(() => undefined);
				if (more) this.#code.unshift(...more.map((next) => () => next().catch(() => undefined)));
			}
		} finally {
			this.#running = false;
		}
	}

	/** True while any deck is still on its way. */
	get busy(): boolean {
		return Object.keys(this.progress).length > 0;
	}

	async #fetch(store: CacheStorage, deck: DeckInfo, token: string): Promise<void> {
		const cache = await store.open(CACHE);
		const url = deckFileUrl(deck.id);
		if (await cache.match(url)) {
			await this.#warmUp(deck.id, token);
			delete this.progress[deck.id];
			this.ready[deck.id] = true;
			return;
		}
		this.progress[deck.id] = 0;
		const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` }, priority: 'low' });
		if (!res.ok || !res.body) throw new Error(`deck ${deck.id}: HTTP ${res.status}`);
		const total = Number(res.headers.get('content-length')) || deck.bytes || 0;
		const reader = res.body.getReader();
		const chunks: Uint8Array[] = [];
		let received = 0;
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			chunks.push(value);
			received += value.byteLength;
			if (total > 0) this.progress[deck.id] = Math.min(0.99, received / total);
		}
		await cache.put(url, new Response(new Blob(chunks as BlobPart[], { type: 'application/pdf' }), { headers: { 'content-type': 'application/pdf' } }));
		this.progress[deck.id] = 0.99;
		await this.#warmUp(deck.id, token);
		delete this.progress[deck.id];
		this.ready[deck.id] = true;
	}

	async #warmUp(deckId: string, token: string): Promise<void> {
		// A deck that cannot be drawn now still shows (or says why) when the teacher turns to it.
		await this.#warm?.(deckId, token).catch(() => undefined);
	}
}
