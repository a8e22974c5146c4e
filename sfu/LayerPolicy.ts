import type { Consumer } from 'mediasoup/types';
import { moduleLogger } from './logger.ts';

const log = moduleLogger('sfu:layer-policy');

/** Below this consumer score (0-10) the viewer gets one spatial layer less. */
const POOR_SCORE = 5;
/** At or above this score for STEP_UP_AFTER_MS, it gets one layer back. */
const GOOD_SCORE = 8;
const STEP_UP_AFTER_MS = 6_000;
const STEP_DOWN_HOLD_MS = 3_000;

/**
 * Simulcast layer choice for one consumer: `target` is what the viewer should get (set by the
 * lesson's policy), `ceiling` drops a layer when the consumer's score says the link suffers and
 * climbs back after a stretch of good scores. mediasoup's own bandwidth estimation works beneath
 * this. Audio consumers never get a policy: audio is never paused for quality.
 */
export class LayerPolicy {
	readonly #consumer: Consumer;
	#target: number;
	#temporal: number | undefined;
	#ceiling: number;
	#goodSince: number | null = null;
	#lastStepDown = 0;
	readonly #onScore: (score: { score: number; producerScore: number }) => void;

	constructor(consumer: Consumer, target: number) {
		this.#consumer = consumer;
		this.#target = target;
		this.#ceiling = target;
		this.#onScore = (score) => this.#handleScore(score.score, score.producerScore, Date.now());
		consumer.on('score', this.#onScore);
	}

	get effectiveLayer(): number {
		return Math.min(this.#target, this.#ceiling);
	}

	async setTarget(spatialLayer: number, temporalLayer?: number): Promise<void> {
		this.#target = spatialLayer;
		this.#temporal = temporalLayer;
		this.#ceiling = Math.max(this.#ceiling, spatialLayer);
		await this.#apply();
	}

	dispose(): void {
		this.#consumer.off('score', this.#onScore);
	}

	#handleScore(score: number, producerScore: number, now: number): void {
		// A poor producer score means the sender's uplink suffers; lowering this viewer won't help.
		if (score < POOR_SCORE && producerScore >= POOR_SCORE) {
			this.#goodSince = null;
			if (this.#ceiling > 0 && now - this.#lastStepDown > STEP_DOWN_HOLD_MS) {
				this.#ceiling = Math.min(this.#ceiling, this.effectiveLayer) - 1;
				this.#lastStepDown = now;
				log.debug({ consumerId: this.#consumer.id, score, ceiling: this.#ceiling }, 'step down');
				void this.#apply();
			}
			return;
		}
		if (score >= GOOD_SCORE && this.#ceiling < this.#target) {
			this.#goodSince ??= now;
			if (now - this.#goodSince >= STEP_UP_AFTER_MS) {
				this.#ceiling++;
				this.#goodSince = now;
				log.debug({ consumerId: this.#consumer.id, score, ceiling: this.#ceiling }, 'step up');
				void this.#apply();
			}
		}
	}

	async #apply(): Promise<void> {
		if (this.#consumer.closed) return;
		await this.#consumer
			.setPreferredLayers({ spatialLayer: this.effectiveLayer, temporalLayer: this.#temporal })
			.catch((error: Error) => log.warn({ err: error.message }, 'setPreferredLayers failed'));
	}
}
