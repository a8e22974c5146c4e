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
/** Loss above this, together with a video stream the SFU sends no layer at all, marks a weak sample. */
export const WEAK_LOSS = 0.03;
/**
 * Loss above this, together with an estimate under MIN_VIDEO_BPS (the SFU may still send the lowest
 * layer), marks a weak sample: over a rural link's 5 % (whose estimate dips under the lowest layer
 * for a few seconds now and then: 146-199 kbit/s at 4-6 % loss in the three-room e2e, and a room fell
 * back on such a dip with 4.7 %), under a poor link's 10 %.
 */
export const THIN_LOSS = 0.06;
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
/**
 * Loss over FAIR_LOSS with room for video falls back only when every sample shows it for this long:
 * a link that narrows loses heavily for the seconds the SFU's estimate takes to follow, and a rural
 * link (5 %) overflows its queue now and then while the estimate probes. Counted as weak samples
 * among the others, those spikes moved a rural room to audio + slides in most runs of the three-room
 * e2e (readings 0.64, 0.36, 0.07, 0.14 after its link went from 20 to 1 Mbit/s).
 */
export const LOSSY_FOR_MS = 8_000;
/**
 * Loss over this counts as a weak sample once the estimate is under SEVERE_BELOW_BPS: a poor link's
 * onset reads 0.64-0.86 for seconds while its estimate falls from 2 Mbit/s through 235 kbit/s to
 * under the lowest layer, a rural link's narrowing 0.36-0.71 while its estimate falls to 300-400
 * kbit/s and stays there (1 Mbit/s link). Counted whatever the estimate, a rural onset gave two of
 * the three weak samples a fallback needs.
 */
export const SEVERE_LOSS = 0.2;
export const SEVERE_BELOW_BPS = 2 * MIN_VIDEO_BPS;
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
 * the link is both lossy and too thin (or starves the lowest layer) or loses more than SEVERE_LOSS
 * while its estimate falls, or when it loses more than FAIR_LOSS in every sample for LOSSY_FOR_MS;
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
	/** Since when every sample has had loss over FAIR_LOSS; null when the last did not. */
	#heavyLossSince: number | null = null;
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
	 * a link that suddenly narrows loses heavily for the seconds the SFU's estimate takes to follow,
	 * and sampled sooner those seconds would add up to a fallback.
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
			this.#heavyLossSince = null;
			return null;
		}
		const loss = reading.lossFraction;
		const estimate = reading.availableBitrate;
		const thin = estimate !== null && estimate < MIN_VIDEO_BPS;
		this.#lastThinAndLossy = (reading.videoStarved && loss > WEAK_LOSS) || (thin && loss > THIN_LOSS);
		const severe = loss > SEVERE_LOSS && (estimate === null || estimate < SEVERE_BELOW_BPS);
		this.#heavyLossSince = loss > FAIR_LOSS ? (this.#heavyLossSince ?? now) : null;
		const sustainedLoss = this.#heavyLossSince !== null && now - this.#heavyLossSince >= LOSSY_FOR_MS;
		this.#recent = [...this.#recent, this.#lastThinAndLossy || severe].slice(-WINDOW);
		if (!sustainedLoss && this.#recent.filter(Boolean).length < WEAK_SAMPLES) return null;
		this.#mode = 'audio';
		this.#recent = [];
		this.#heavyLossSince = null;
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
