import { EventEmitter } from 'node:events';
import type { ConsumerLayers, MediaKind, RtpParameters } from 'mediasoup/types';
import type { ConsumerScoreState, EdgeChannel, RemoteConsumerState } from './edgeTypes.ts';

/** The events of a mediasoup Consumer that LessonMedia and LayerPolicy listen to. */
interface RemoteConsumerEvents {
	score: [ConsumerScoreState];
	layerschange: [ConsumerLayers | undefined];
	producerpause: [];
	producerresume: [];
	producerclose: [];
	transportclose: [];
	trace: [{ type: 'nack' }];
}

/**
 * A consumer held on an edge node, mirrored on the origin with the members of mediasoup's Consumer
 * that the lesson's media reads (its state from the edge's events, its calls sent there), so that
 * LessonMedia and LayerPolicy handle it as they handle one of their own router's.
 */
export class RemoteConsumer extends EventEmitter<RemoteConsumerEvents> {
	readonly id: string;
	readonly producerId: string;
	readonly kind: MediaKind;
	readonly type: RemoteConsumerState['type'];
	readonly rtpParameters: RtpParameters;
	readonly appData: Record<string, unknown>;
	readonly observer = new EventEmitter<{ close: [] }>();
	paused: boolean;
	producerPaused: boolean;
	score: ConsumerScoreState;
	currentLayers: ConsumerLayers | undefined;
	#closed = false;
	readonly #channel: EdgeChannel;

	constructor(channel: EdgeChannel, producerId: string, state: RemoteConsumerState, appData: Record<string, unknown>) {
		super();
		this.#channel = channel;
		this.id = state.id;
		this.producerId = producerId;
		this.kind = state.kind;
		this.type = state.type;
		this.rtpParameters = state.rtpParameters;
		this.appData = appData;
		this.paused = state.paused;
		this.producerPaused = state.producerPaused;
		this.score = state.score;
		this.currentLayers = state.currentLayers ?? undefined;
	}

	get closed(): boolean {
		return this.#closed;
	}

	async resume(): Promise<void> {
		await this.#channel.call('consumer.resume', { consumerId: this.id });
		this.paused = false;
	}

	async pause(): Promise<void> {
		await this.#channel.call('consumer.pause', { consumerId: this.id });
		this.paused = true;
	}

	async requestKeyFrame(): Promise<void> {
		await this.#channel.call('consumer.requestKeyFrame', { consumerId: this.id });
	}

	async setPreferredLayers({ spatialLayer, temporalLayer }: { spatialLayer: number; temporalLayer?: number }): Promise<void> {
		if (this.#closed) return;
		await this.#channel.call('consumer.setPreferredLayers', { consumerId: this.id, spatialLayer, ...(temporalLayer === undefined ? {} : { temporalLayer }) });
	}

	async getStats(): Promise<Record<string, unknown>[]> {
		if (this.#closed) return [];
		return this.#channel.call('consumer.stats', { consumerId: this.id });
	}

	/** The edge traces NACKs of every video consumer itself and tells them as events. */
	async enableTraceEvent(): Promise<void> {}

	close(): void {
		if (this.#closed) return;
		this.#channel.call('consumer.close', { consumerId: this.id }).catch(() => undefined);
		this.#markClosed();
	}

	/** The edge said so, or its transport or link is gone. */
	closedThere(reason: 'producer_closed' | 'transport_closed'): void {
		if (this.#closed) return;
		this.#closed = true;
		this.emit(reason === 'producer_closed' ? 'producerclose' : 'transportclose');
		this.observer.emit('close');
	}

	onScore(score: ConsumerScoreState): void {
		this.score = score;
		this.emit('score', score);
	}

	onLayers(layers: ConsumerLayers | null): void {
		this.currentLayers = layers ?? undefined;
		this.emit('layerschange', layers ?? undefined);
	}

	onProducerPaused(paused: boolean): void {
		this.producerPaused = paused;
		this.emit(paused ? 'producerpause' : 'producerresume');
	}

	onNack(): void {
		this.emit('trace', { type: 'nack' });
	}

	#markClosed(): void {
		this.#closed = true;
		this.observer.emit('close');
	}
}
