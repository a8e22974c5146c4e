import type { Consumer, PipeTransport, Producer, Router } from 'mediasoup/types';
import { moduleLogger } from '../../core/logger.ts';
import { SfuError } from '../errors.ts';
import type { TransportParameters } from '../mediaTypes.ts';
import { pipeEnd } from './EdgeHost.ts';
import type { EdgeChannel, EdgeEvent } from './edgeTypes.ts';
import { RemoteConsumer } from './RemoteConsumer.ts';
import { RemoteTransport, type RemoteTransportRoute } from './RemoteTransport.ts';

const log = moduleLogger('sfu:edge-route');

/** Why a route closed: its lesson closed here, the link to the edge went, or the edge's router died with its worker. */
export type EdgeRouteEnd = 'closed' | 'link_lost' | 'router_lost';

export interface PipeListen {
	listenIp: string;
	announcedAddress: string;
}

/**
 * One lesson's media on one edge node, seen from the origin: the pair of PipeTransports (SRTP, RTX)
 * between the origin's router and the edge's, the transports held there, and the origin's
 * producers piped there, each once and only when a viewer on the edge asks for it.
 */
export class EdgeRoute implements RemoteTransportRoute {
	readonly lessonId: string;
	readonly channel: EdgeChannel;
	readonly pipe: PipeTransport;
	readonly #transports = new Map<string, RemoteTransport>();
	readonly #consumers = new Map<string, RemoteConsumer>();
	/** Participants' tracks made on the edge, arriving here through the pipe. */
	readonly #edgeProducers = new Map<string, Producer>();
	readonly #producerScores = new Map<string, (score: { score: number }[]) => void>();
	/** Origin producers piped to the edge (by id), each with its pipe consumer. */
	readonly #piped = new Map<string, Promise<Consumer>>();
	readonly #unsubscribe: (() => void)[] = [];
	#closed = false;
	readonly #onClosed: (end: EdgeRouteEnd) => void;

	private constructor(lessonId: string, channel: EdgeChannel, pipe: PipeTransport, onClosed: (end: EdgeRouteEnd) => void) {
		this.lessonId = lessonId;
		this.channel = channel;
		this.pipe = pipe;
		this.#onClosed = onClosed;
		this.#unsubscribe.push(
			channel.onEvent((event) => this.#onEvent(event)),
			channel.onClose(() => {
				log.warn({ lessonId, edge: channel.nodeId }, 'the link to an edge node is gone; its participants rebuild');
				this.close('link_lost');
			})
		);
		pipe.observer.once('close', () => this.close());
	}

	/** Opens the lesson's router on the edge and the pipe between the two; `onClosed` once the route is gone. */
	static async open(lessonId: string, origin: Router, channel: EdgeChannel, listen: PipeListen, onClosed: (end: EdgeRouteEnd) => void): Promise<EdgeRoute> {
		const pipe = await origin.createPipeTransport({
			listenInfo: { protocol: 'udp', ip: listen.listenIp, announcedAddress: listen.announcedAddress },
			enableSrtp: true,
			enableRtx: true,
			appData: { lessonId, edge: channel.nodeId }
		});
		try {
			const { edge } = await channel.call('lesson.open', { lessonId, origin: pipeEnd(pipe, listen.announcedAddress) });
			await pipe.connect({ ip: edge.ip, port: edge.port, srtpParameters: edge.srtpParameters });
		} catch (error) {
			pipe.close();
			throw error;
		}
		log.info({ lessonId, edge: channel.nodeId, port: pipe.tuple.localPort }, 'lesson piped to an edge node');
		return new EdgeRoute(lessonId, channel, pipe, onClosed);
	}

	get closed(): boolean {
		return this.#closed;
	}

	async createTransport(appData: Record<string, unknown>): Promise<RemoteTransport> {
		if (this.#closed) throw new SfuError('unavailable', 'the route to the edge is closed');
		const parameters: TransportParameters = await this.channel.call('transport.create', { lessonId: this.lessonId, appData });
		const transport = new RemoteTransport(this, parameters, appData);
		this.#transports.set(transport.id, transport);
		transport.observer.once('close', () => this.#transports.delete(transport.id));
		return transport;
	}

	/** Makes a producer of the origin's router consumable on the edge (pipes it the first time). */
	async reach(producerId: string): Promise<void> {
		if (this.#edgeProducers.has(producerId)) return; // made on this edge: it is there already
		let piping = this.#piped.get(producerId);
		if (!piping) {
			piping = this.#pipeOut(producerId);
			this.#piped.set(producerId, piping);
			piping.catch(() => this.#piped.delete(producerId));
		}
		await piping;
	}

	track(consumer: RemoteConsumer): void {
		this.#consumers.set(consumer.id, consumer);
		consumer.observer.once('close', () => this.#consumers.delete(consumer.id));
	}

	trackProducer(producerId: string, producer: Producer): void {
		this.#edgeProducers.set(producerId, producer);
		producer.observer.once('close', () => {
			this.#edgeProducers.delete(producerId);
			this.#producerScores.delete(producerId);
		});
	}

	/** The edge's scores of a participant's track (the pipe's own would say only how the pipe does). */
	followProducerScore(producerId: string, listener: (score: { score: number }[]) => void): boolean {
		if (!this.#edgeProducers.has(producerId)) return false;
		this.#producerScores.set(producerId, listener);
		return true;
	}

	close(end: EdgeRouteEnd = 'closed'): void {
		if (this.#closed) return;
		this.#closed = true;
		for (const off of this.#unsubscribe) off();
		for (const transport of [...this.#transports.values()]) transport.closedThere();
		if (!this.channel.closed) this.channel.call('lesson.close', { lessonId: this.lessonId }).catch(() => undefined);
		this.pipe.close();
		this.#onClosed(end);
	}

	async #pipeOut(producerId: string): Promise<Consumer> {
		const pipeConsumer = await this.pipe.consume({ producerId }).catch((error: Error) => {
			throw new SfuError('unavailable', `cannot pipe producer ${producerId} to ${this.channel.nodeId}: ${error.message}`);
		});
		const lessonId = this.lessonId;
		try {
			await this.channel.call('pipe.produce', { lessonId, producerId, kind: pipeConsumer.kind, rtpParameters: pipeConsumer.rtpParameters, paused: pipeConsumer.producerPaused });
		} catch (error) {
			pipeConsumer.close();
			throw error;
		}
		const tell = (paused: boolean) => this.channel.call('pipe.pause', { lessonId, producerId, paused }).catch(() => undefined);
		pipeConsumer.on('producerpause', () => void tell(true));
		pipeConsumer.on('producerresume', () => void tell(false));
		pipeConsumer.observer.once('close', () => {
			this.#piped.delete(producerId);
			if (!this.#closed) this.channel.call('pipe.close', { lessonId, producerId }).catch(() => undefined);
		});
		return pipeConsumer;
	}

	#onEvent(event: EdgeEvent): void {
		switch (event.type) {
			case 'lesson.closed':
				if (event.lessonId === this.lessonId) this.close('router_lost');
				return;
			case 'transport.closed':
				this.#transports.get(event.transportId)?.closedThere();
				return;
			case 'producer.closed':
				this.#edgeProducers.get(event.producerId)?.close();
				return;
			case 'producer.score':
				this.#producerScores.get(event.producerId)?.(event.score);
				return;
			case 'consumer.closed':
				this.#consumers.get(event.consumerId)?.closedThere(event.reason);
				return;
			case 'consumer.score':
				this.#consumers.get(event.consumerId)?.onScore(event.score);
				return;
			case 'consumer.layers':
				this.#consumers.get(event.consumerId)?.onLayers(event.layers);
				return;
			case 'consumer.producerPaused':
				this.#consumers.get(event.consumerId)?.onProducerPaused(event.paused);
				return;
			case 'consumer.nack':
				this.#consumers.get(event.consumerId)?.onNack();
				return;
		}
	}
}
