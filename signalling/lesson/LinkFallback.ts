/** What one room's downlink looked like at one sample (LessonMedia.linkReading, summed over the room's devices). */
export interface LinkReading {
	/** mediasoup's estimate of what the room's downlink carries now, bit/s; null when unknown. */
	availableBitrate: number | null;
	/** The worst fraction (0..1) of packets the room reported lost in its last receiver reports. */
	lossFraction: number;
	/** The room receives at least one video stream (nothing to fall back from otherwise). */
	hasVideo: boolean;
	/** A video consumer the SFU sends no layer at all: not even the lowest fits. */
	videoStarved: boolean;
}

export type LinkMode = 'video' | 'audio';

/** What the lowest video layer (150 kbit/s) needs next to the audio (40 kbit/s) and some slack. */
export const MIN_VIDEO_BPS = 200_000;
/** Loss above this, together with too little bandwidth, marks a weak sample. */
export const WEAK_LOSS = 0.03;
/** Loss at or below this counts towards recovery. */
export const RECOVERED_LOSS = 0.02;
/**
 * Loss at or below this (a rural link, not a poor one) earns a slower try at video; above it, video
 * is a slide show of frozen frames that only takes the audio's packets, however much bandwidth.
 */
export const FAIR_LOSS = 0.08;
/** A fallback needs this many weak samples among the last WINDOW. */
export const WEAK_SAMPLES = 3;
export const WINDOW = 4;
/** Clean samples for this long bring video back; doubled after each relapse. */
export const RECOVER_AFTER_MS = 8_000;
export const MAX_RECOVER_AFTER_MS = 32_000;
/** Fair samples for this many times the recovery wait try video again (the audio stream alone cannot show the bandwidth). */
export const PROBE_FACTOR = 4;
/** A fallback this soon after a recovery is a relapse. */
export const RELAPSE_WITHIN_MS = 30_000;

/**
 * The decision half of the link guard, free of mediasoup: from one room's link samples, whether the
 * room gets video or falls back to audio + slides + board. Falls back when most recent samples say
 * the link is both lossy and too thin (or starves the lowest layer), or loses more than FAIR_LOSS;
 * comes back after a sustained stretch of clean samples (or a longer stretch of fair ones), waiting
 * twice as long after each relapse (hysteresis).
 *
 * Loss is part of every weak sample on purpose: a loaded machine slows the delay-based bandwidth
 * estimate of a perfectly good link, but loses no packets.
 */
export class LinkFallback {
	#mode: LinkMode = 'video';
	#recent: boolean[] = [];
	#lastThinAndLossy = false;
	#cleanSince: number | null = null;
	#fairSince: number | null = null;
	#recoverAfterMs = RECOVER_AFTER_MS;
	#recoveredAt = Number.NEGATIVE_INFINITY;

	get mode(): LinkMode {
		return this.#mode;
	}

	/**
	 * On video, and the last sample had the poor link's signature: lossy and too thin for the lowest
	 * layer (or starving it). A fallback may be a sample or two away. Heavy loss alone is not enough:
	 * a link that suddenly narrows loses heavily for the seconds the SFU's estimate takes to follow.
	 */
	get suspicious(): boolean {
		return this.#mode === 'video' && this.#lastThinAndLossy;
	}

	/** How long clean samples must last now before video comes back. */
	get recoverAfterMs(): number {
		return this.#recoverAfterMs;
	}

	/** Returns the new mode when it changed, else null. */
	onSample(reading: LinkReading, now: number): LinkMode | null {
		return this.#mode === 'video' ? this.#watchVideo(reading, now) : this.#watchAudio(reading, now);
	}

	#watchVideo(reading: LinkReading, now: number): LinkMode | null {
		if (!reading.hasVideo) {
			this.#recent = [];
			return null;
		}
		const lossy = reading.lossFraction > WEAK_LOSS;
		const thin = reading.availableBitrate !== null && reading.availableBitrate < MIN_VIDEO_BPS;
		this.#lastThinAndLossy = lossy && (thin || reading.videoStarved);
		const weak = this.#lastThinAndLossy || reading.lossFraction > FAIR_LOSS;
		this.#recent = [...this.#recent, weak].slice(-WINDOW);
		if (this.#recent.filter(Boolean).length < WEAK_SAMPLES) return null;
		this.#mode = 'audio';
		this.#recent = [];
		this.#lastThinAndLossy = false;
		this.#cleanSince = null;
		this.#fairSince = null;
		const relapse = now - this.#recoveredAt < RELAPSE_WITHIN_MS;
		this.#recoverAfterMs = relapse ? Math.min(this.#recoverAfterMs * 2, MAX_RECOVER_AFTER_MS) : RECOVER_AFTER_MS;
		return this.#mode;
	}

	#watchAudio(reading: LinkReading, now: number): LinkMode | null {
		const loss = reading.lossFraction;
		this.#cleanSince = loss <= RECOVERED_LOSS ? (this.#cleanSince ?? now) : null;
		this.#fairSince = loss <= FAIR_LOSS ? (this.#fairSince ?? now) : null;
		const clean = this.#cleanSince !== null && now - this.#cleanSince >= this.#recoverAfterMs;
		const fair = this.#fairSince !== null && now - this.#fairSince >= this.#recoverAfterMs * PROBE_FACTOR;
		if (!clean && !fair) return null;
		this.#mode = 'video';
		this.#cleanSince = null;
		this.#fairSince = null;
		this.#recoveredAt = now;
		return this.#mode;
	}
}
