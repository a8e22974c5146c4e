import type { Consumer } from 'mediasoup/types';
import { LayerCeiling } from './LayerCeiling.ts';
import { moduleLogger } from '../core/logger.ts';

const log = moduleLogger('sfu:layer-policy');

/** While below its target, a consumer's score is looked at this often even without a new score. */
const RECHECK_MS = 1000;

/**
 * Simulcast layer choice for one consumer: the lesson's policy sets the target layer; the ceiling
 * drops a layer when the consumer's score says the viewer's link suffers and climbs back after good
 * scores. mediasoup's own bandwidth estimation works beneath this. Audio consumers get no policy:
 * audio is never paused for quality.
 */
export class LayerPolicy {
	readonly #consumer: Consumer;
	readonly #ceiling: LayerCeiling;
	#temporal: number | undefined;
	readonly #onScore: (score: { score: number; producerScore: number }) => void;
	/**
	 * mediasoup emits 'score' only when the score changes: on a link that has become steadily good,
	 * no event would ever come to say the good stretch has lasted long enough to step back up.
	 */
	#recheck: NodeJS.Timeout | null = null;

	constructor(consumer: Consumer, target: number) {
		this.#consumer = consumer;
		this.#ceiling = new LayerCeiling(target);
		this.#onScore = (score) => {
			const changed = this.#ceiling.onScore(score.score, score.producerScore, Date.now());
			this.#keepRechecking();
			if (changed === null) return;
			log.debug({ consumerId: consumer.id, score: score.score, layer: changed }, 'layer ceiling moved');
			void this.#apply();
		};
		consumer.on('score', this.#onScore);
	}

	#keepRechecking(): void {
		const below = this.#ceiling.layer < this.#ceiling.target && !this.#consumer.closed;
		if (below && !this.#recheck) {
			this.#recheck = setInterval(() => this.#onScore(this.#consumer.score), RECHECK_MS);
			this.#recheck.unref();
		} else if (!below && this.#recheck) {
			clearInterval(this.#recheck);
			this.#recheck = null;
		}
	}

	get effectiveLayer(): number {
		return this.#ceiling.layer;
	}

	async setTarget(spatialLayer: number, temporalLayer?: number): Promise<void> {
		this.#ceiling.setTarget(spatialLayer);
		this.#temporal = temporalLayer;
		this.#keepRechecking();
		await this.#apply();
	}

	dispose(): void {
		this.#consumer.off('score', this.#onScore);
		if (this.#recheck) clearInterval(this.#recheck);
		this.#recheck = null;
	}

	async #apply(): Promise<void> {
		if (this.#consumer.closed) return;
		await this.#consumer
			.setPreferredLayers({ spatialLayer: this.#ceiling.layer, temporalLayer: this.#temporal })
			.catch((error: Error) => log.warn({ err: error.message }, 'setPreferredLayers failed'));
	}
}
