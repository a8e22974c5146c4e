/** Below this consumer score (0-10) the viewer gets one spatial layer less. */
export const POOR_SCORE = 5;
/** At or above this score for STEP_UP_AFTER_MS, it gets one layer back. */
export const GOOD_SCORE = 8;
export const STEP_UP_AFTER_MS = 6_000;
export const STEP_DOWN_HOLD_MS = 3_000;

/**
 * The decision half of the layer policy, free of mediasoup: given consumer scores over time, which
 * spatial layer (at most `target`) a viewer should get. Steps down one layer on a poor score (at
 * most every STEP_DOWN_HOLD_MS), back up one after STEP_UP_AFTER_MS of good scores.
 */
export class LayerCeiling {
	#target: number;
	#ceiling: number;
	#goodSince: number | null = null;
	#lastStepDown = Number.NEGATIVE_INFINITY;

	constructor(target: number) {
		this.#target = target;
		this.#ceiling = target;
	}

	get layer(): number {
		return Math.min(this.#target, this.#ceiling);
	}

	get target(): number {
		return this.#target;
	}

	setTarget(target: number): void {
		this.#target = target;
		this.#ceiling = Math.max(this.#ceiling, target);
	}

	/** Returns the new layer when it changed, else null. */
	onScore(score: number, producerScore: number, now: number): number | null {
		// A poor producer score means the sender's uplink suffers; lowering this viewer won't help.
		if (score < POOR_SCORE && producerScore >= POOR_SCORE) {
			this.#goodSince = null;
			if (this.layer > 0 && now - this.#lastStepDown >= STEP_DOWN_HOLD_MS) {
				this.#ceiling = this.layer - 1;
				this.#lastStepDown = now;
				return this.layer;
			}
			return null;
		}
		if (score >= GOOD_SCORE && this.#ceiling < this.#target) {
			this.#goodSince ??= now;
			if (now - this.#goodSince >= STEP_UP_AFTER_MS) {
				this.#ceiling++;
				this.#goodSince = now;
				return this.layer;
			}
			return null;
		}
		if (score < GOOD_SCORE) this.#goodSince = null;
		return null;
	}
}
