import { Device, detectDevice } from 'mediasoup-client';
import type { types } from 'mediasoup-client';
import type { ConsumerOffer, IceServer, JsonObject, MediaSource, RequestPayload, Role, TransportInfo } from '$protocol';
import type { RequestFn } from '../signalling/client.ts';
import { inboundStat, type InboundStat } from './consumer-stats.ts';
import { IceRestarter } from './ice-restarter.ts';
import { producerPreset } from './publish-presets.ts';
import type { ReconnectPolicy } from '../net/reconnect-policy.ts';

/** A remote track as the UI and the test hooks see it. */
export interface RemoteMedia {
	consumerId: string;
	producerId: string;
	participantId: string;
	classroomId: string | null;
	source: MediaSource;
	kind: 'audio' | 'video';
	/** Paused by the server (the sender muted, or the room is audio-only). */
	paused: boolean;
	spatialLayer: number | null;
	track: MediaStreamTrack;
}

/** What we publish, or want to publish again after a rebuild. Survives transports. */
export interface LocalPublication {
	source: MediaSource;
	track: MediaStreamTrack;
	paused: boolean;
	producerId: string | null;
}

export interface MediaEngineDeps {
	request: RequestFn;
	signallingConnected(): boolean;
	policy: ReconnectPolicy;
	/** Remote or local media changed: the UI re-reads `remote()` / `local()`. */
	changed(): void;
	error(context: string, err: unknown): void;
	/** ICE could not be restored: rebuild all media. */
	rebuildNeeded(): void;
	/** A transport's connection state changed (for the connection badge). */
	transportState(direction: 'send' | 'recv', state: types.ConnectionState): void;
}

export interface StartOptions {
	routerRtpCapabilities: JsonObject;
	/** TURN/STUN servers from the join result (empty: the SFU is reached directly). */
	iceServers: IceServer[];
	role: Role;
	receive: boolean;
	send: boolean;
}

/** The engine was torn down while an async step was running; the step's result is dropped. */
class StaleEpoch extends Error {}


/**
 * The mediasoup-client side: device, transports, producers, consumers. Plain TypeScript: no UI,
 * no socket. Everything it needs from the server goes through `deps.request`.
 */
export interface OutboundStat {
	rid: string | null;
	frameWidth: number;
	frameHeight: number;
	bytesSent: number;
	framesEncoded: number;
	active: boolean;
	/** Chromium's reason for sending less than asked: 'cpu', 'bandwidth', 'none'. */
	qualityLimitationReason: string | null;
	/** The SFU's last receiver report on this encoding: its fraction lost (0..1), what the encoder sizes its FEC by. */
	remoteFractionLost: number | null;
}

export interface SelectedPair {
	direction: 'send' | 'recv';
	localType: string | null;
	localProtocol: string | null;
	relayProtocol: string | null;
	remoteType: string | null;
	remoteProtocol: string | null;
	remoteAddress: string | null;
	remotePort: number | null;
	bytesReceived: number;
	bytesSent: number;
}

export class MediaEngine {
	#deps: MediaEngineDeps;
	#device: Device | null = null;
	#deviceCaps = '';
	#role: Role = 'observer';
	#epoch = 0;
	#send: types.Transport | null = null;
	#recv: types.Transport | null = null;
	#recvReady: Promise<void> | null = null;
	#consumers = new Map<string, { consumer: types.Consumer; media: RemoteMedia }>();
	#producers = new Map<MediaSource, types.Producer>();
	#iceServers: IceServer[] = [];
	#publications = new Map<MediaSource, LocalPublication>();
	#ice: IceRestarter;
	#producing = new Set<LocalPublication>();

	constructor(deps: MediaEngineDeps) {
		this.#deps = deps;
		this.#ice = new IceRestarter({
			request: deps.request,
			signallingConnected: deps.signallingConnected,
			policy: deps.policy,
			error: deps.error,
			giveUp: deps.rebuildNeeded
		});
	}

	remote(): RemoteMedia[] {
		return [...this.#consumers.values()].map((c) => c.media);
	}

	local(): LocalPublication[] {
		return [...this.#publications.values()];
	}

	publication(source: MediaSource): LocalPublication | undefined {
		return this.#publications.get(source);
	}

	/** Build transports for this epoch and publish again whatever was published before. */
	async start(options: StartOptions): Promise<void> {
		this.teardown();
		const epoch = this.#epoch;
		this.#role = options.role;
		this.#iceServers = options.iceServers;
		await this.#loadDevice(options.routerRtpCapabilities);
		this.#check(epoch);

		// The two directions are independent: built side by side, a rejoin over a slow link waits
		// for the round trips of one of them, not of both in turn.
		await Promise.all([options.receive ? this.#startReceiving(epoch) : undefined, options.send ? this.#startSending(epoch) : undefined]);
		this.#deps.changed();
	}

	async #startReceiving(epoch: number): Promise<void> {
		let ready!: () => void;
		let failed!: (err: unknown) => void;
		this.#recvReady = new Promise<void>((res, rej) => {
			ready = res;
			failed = rej;
		});
		this.#recvReady.catch(() => {});
		try {
			this.#recv = await this.#createTransport('recv', epoch);
			const rtpCapabilities = this.#device!.recvRtpCapabilities as RequestPayload<'media.ready'>['rtpCapabilities'];
			await this.#deps.request('media.ready', { rtpCapabilities });
			this.#check(epoch);
			ready();
		} catch (err) {
			failed(err);
			throw err;
		}
	}

	async #startSending(epoch: number): Promise<void> {
		this.#send = await this.#createTransport('send', epoch);
		for (const pub of this.#publications.values()) {
			if (pub.track.readyState === 'ended') {
				this.#publications.delete(pub.source);
				continue;
			}
			try {
				await this.#produce(pub, epoch);
			} catch (err) {
				if (err instanceof StaleEpoch) throw err;
				this.#deps.error(pub.source, err);
			}
		}
	}

	/** Close transports, producers and consumers; keep the local tracks and what was published. */
	teardown(): void {
		this.#epoch++;
		this.#ice.reset();
		for (const { consumer } of this.#consumers.values()) consumer.close();
		this.#consumers.clear();
		for (const producer of this.#producers.values()) producer.close();
		this.#producers.clear();
		for (const pub of this.#publications.values()) pub.producerId = null;
		this.#send?.close();
		this.#recv?.close();
		this.#send = null;
		this.#recv = null;
		this.#recvReady = null;
		this.#deps.changed();
	}

	/** Leave for good: also stop every local track. */
	stop(): void {
		this.teardown();
		for (const pub of this.#publications.values()) pub.track.stop();
		this.#publications.clear();
		this.#deps.changed();
	}

	/** Test hook: cut the media path as a network loss would (transports closed under us). */
	closeTransports(): void {
		this.#send?.close();
		this.#recv?.close();
	}

	// --- receiving -------------------------------------------------------------------------------

	async handleOffer(offer: ConsumerOffer): Promise<void> {
		const epoch = this.#epoch;
		try {
			if (!this.#recvReady) throw new StaleEpoch();
			await this.#recvReady;
			this.#check(epoch);
			const transport = this.#recv!;
			const consumer = await transport.consume({
				id: offer.consumerId,
				producerId: offer.producerId,
				kind: offer.kind,
				rtpParameters: offer.rtpParameters as unknown as types.RtpParameters,
				appData: { source: offer.source, classroomId: offer.classroomId }
			});
			if (epoch !== this.#epoch) {
				consumer.close();
				return;
			}
			const media: RemoteMedia = {
				consumerId: offer.consumerId,
				producerId: offer.producerId,
				participantId: offer.participantId,
				classroomId: offer.classroomId,
				source: offer.source,
				kind: offer.kind,
				paused: offer.producerPaused,
				spatialLayer: null,
				track: consumer.track
			};
			this.#consumers.set(offer.consumerId, { consumer, media });
			consumer.on('transportclose', () => this.#dropConsumer(offer.consumerId));
			this.#deps.changed();
			await this.#deps.request('media.resumeConsumer', { consumerId: offer.consumerId });
		} catch (err) {
			if (err instanceof StaleEpoch || epoch !== this.#epoch) return;
			this.#deps.error('consume', err);
		}
	}

	handleConsumerClosed(consumerId: string): void {
		const entry = this.#consumers.get(consumerId);
		if (!entry) return;
		entry.consumer.close();
		this.#dropConsumer(consumerId);
	}

	handleConsumerPaused(consumerId: string, paused: boolean): void {
		this.#patchConsumer(consumerId, { paused });
	}

	handleConsumerLayers(consumerId: string, spatialLayer: number | null): void {
		this.#patchConsumer(consumerId, { spatialLayer });
	}

	/** Test hook: each consumer's inbound-rtp counters. */
	inboundStats(): Promise<InboundStat[]> {
		return Promise.all([...this.#consumers.values()].map(({ consumer, media }) => inboundStat(consumer, media)));
	}

	/** Test hook: the ICE candidate pair each transport uses (host/srflx/relay, udp/tcp, and TURN's own protocol). */
	async selectedCandidatePairs(): Promise<SelectedPair[]> {
		const out: SelectedPair[] = [];
		for (const [direction, transport] of [['send', this.#send], ['recv', this.#recv]] as const) {
			if (!transport) continue;
			const report = await transport.getStats();
			const byId = new Map<string, Record<string, unknown>>();
			report.forEach((s: Record<string, unknown>) => byId.set(String(s.id), s));
			let pairId: string | null = null;
			for (const s of byId.values()) if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') pairId = s.selectedCandidatePairId;
			const pair = pairId ? byId.get(pairId) : [...byId.values()].find((s) => s.type === 'candidate-pair' && s.nominated === true && s.state === 'succeeded');
			if (!pair) continue;
			const local = byId.get(String(pair.localCandidateId));
			const remote = byId.get(String(pair.remoteCandidateId));
			const str = (v: unknown) => (typeof v === 'string' ? v : null);
			out.push({
				direction,
				localType: str(local?.candidateType),
				localProtocol: str(local?.protocol),
				relayProtocol: str(local?.relayProtocol),
				remoteType: str(remote?.candidateType),
				remoteProtocol: str(remote?.protocol),
				remoteAddress: str(remote?.address),
				remotePort: typeof remote?.port === 'number' ? remote.port : null,
				bytesReceived: typeof pair.bytesReceived === 'number' ? pair.bytesReceived : 0,
				bytesSent: typeof pair.bytesSent === 'number' ? pair.bytesSent : 0
			});
		}
		return out;
	}

	/** Test hook: the outbound-rtp report of every encoding (simulcast layer) of a published source. */
	async outboundStats(source: MediaSource): Promise<OutboundStat[]> {
		const producer = this.#producers.get(source);
		if (!producer) return [];
		const report = await producer.getStats();
		const out: OutboundStat[] = [];
		const remoteLoss = new Map<string, number>();
		report.forEach((s: Record<string, unknown>) => {
			if (s.type === 'remote-inbound-rtp' && typeof s.localId === 'string' && typeof s.fractionLost === 'number') remoteLoss.set(s.localId, s.fractionLost);
		});
		report.forEach((s: Record<string, unknown>) => {
			if (s.type !== 'outbound-rtp') return;
			out.push({
				rid: typeof s.rid === 'string' ? s.rid : null,
				frameWidth: typeof s.frameWidth === 'number' ? s.frameWidth : 0,
				frameHeight: typeof s.frameHeight === 'number' ? s.frameHeight : 0,
				bytesSent: typeof s.bytesSent === 'number' ? s.bytesSent : 0,
				framesEncoded: typeof s.framesEncoded === 'number' ? s.framesEncoded : 0,
				active: s.active !== false,
				qualityLimitationReason: typeof s.qualityLimitationReason === 'string' ? s.qualityLimitationReason : null,
				remoteFractionLost: remoteLoss.get(String(s.id)) ?? null
			});
		});
		return out.sort((a, b) => a.frameWidth - b.frameWidth);
	}

	// --- publishing ------------------------------------------------------------------------------

	/** Publish (or replace) a local source. Kept across rebuilds until `unpublish`. */
	async publish(source: MediaSource, track: MediaStreamTrack, paused = false): Promise<void> {
		const existing = this.#publications.get(source);
		if (existing) {
			await this.replaceTrack(source, track);
			return;
		}
		const pub: LocalPublication = { source, track, paused, producerId: null };
		this.#publications.set(source, pub);
		track.addEventListener('ended', () => {
			// The browser's "Stop sharing" button, or an unplugged device.
			if (this.#publications.get(source)?.track === track) void this.unpublish(source);
		});
		this.#deps.changed();
		if (this.#send) {
			const epoch = this.#epoch;
			try {
				await this.#produce(pub, epoch);
			} catch (err) {
				if (err instanceof StaleEpoch) return;
				throw err;
			}
		}
	}

	async unpublish(source: MediaSource): Promise<void> {
		const pub = this.#publications.get(source);
		if (!pub) return;
		this.#publications.delete(source);
		pub.track.stop();
		const producer = this.#producers.get(source);
		this.#producers.delete(source);
		this.#deps.changed();
		if (producer && !producer.closed) {
			producer.close();
			await this.#deps.request('media.closeProducer', { producerId: producer.id }).catch(() => {});
		}
	}

	async setPaused(source: MediaSource, paused: boolean): Promise<void> {
		const pub = this.#publications.get(source);
		if (!pub) return;
		pub.paused = paused;
		const producer = this.#producers.get(source);
		if (producer && !producer.closed) {
			if (paused) producer.pause();
			else producer.resume();
		} else {
			pub.track.enabled = !paused;
		}
		this.#deps.changed();
		if (producer && !producer.closed) {
			await this.#deps.request('media.pauseProducer', { producerId: producer.id, paused });
		}
	}

	async replaceTrack(source: MediaSource, track: MediaStreamTrack): Promise<void> {
		const pub = this.#publications.get(source);
		if (!pub) return this.publish(source, track);
		const old = pub.track;
		pub.track = track;
		track.enabled = !pub.paused;
		track.addEventListener('ended', () => {
			if (this.#publications.get(source)?.track === track) void this.unpublish(source);
		});
		const producer = this.#producers.get(source);
		if (producer && !producer.closed) await producer.replaceTrack({ track });
		old.stop();
		this.#deps.changed();
	}

	// --- internals -------------------------------------------------------------------------------

	async #loadDevice(routerRtpCapabilities: JsonObject): Promise<void> {
		const caps = JSON.stringify(routerRtpCapabilities);
		if (this.#device?.loaded && caps === this.#deviceCaps) return;
		// A Device loads once; new router capabilities (a new server) need a new Device.
		const device = await Device.factory().catch(async (err: unknown) => {
			// On a plain-http page there is no navigator.userAgentData, and mediasoup-client then reads
			// the user agent alone, where headless Chromium calls itself "HeadlessChrome/…".
			const handlerName = detectDevice(navigator.userAgent.replace(/HeadlessChrome\//, 'Chrome/'));
			if (!handlerName) throw err;
			return Device.factory({ handlerName });
		});
		await device.load({ routerRtpCapabilities: routerRtpCapabilities as unknown as types.RtpCapabilities });
		this.#device = device;
		this.#deviceCaps = caps;
	}

	async #createTransport(direction: 'send' | 'recv', epoch: number): Promise<types.Transport> {
		const info: TransportInfo = await this.#deps.request('media.createTransport', { direction });
		this.#check(epoch);
		const options = {
			id: info.id,
			iceParameters: info.iceParameters as unknown as types.IceParameters,
			iceCandidates: info.iceCandidates as unknown as types.IceCandidate[],
			dtlsParameters: info.dtlsParameters as unknown as types.DtlsParameters,
			iceServers: this.#iceServers as RTCIceServer[]
		};
		const device = this.#device!;
		const transport = direction === 'send' ? device.createSendTransport(options) : device.createRecvTransport(options);

		transport.on('connect', ({ dtlsParameters }, callback, errback) => {
			this.#deps
				.request('media.connectTransport', {
					transportId: transport.id,
					dtlsParameters
				})
				.then(() => callback(), errback);
		});

		if (direction === 'send') {
			transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
				const source = appData.source as MediaSource;
				this.#deps
					.request('media.produce', {
						transportId: transport.id,
						kind,
						source,
						rtpParameters: rtpParameters as RequestPayload<'media.produce'>['rtpParameters'],
						paused: appData.paused === true
					})
					.then(({ producerId }) => callback({ id: producerId }), errback);
			});
		}

		transport.on('connectionstatechange', (state) => {
			// A transport from before a rebuild may still report; only the current ones count.
			if (transport !== this.#send && transport !== this.#recv) return;
			this.#deps.transportState(direction, state);
			this.#ice.onState(transport, state);
		});
		return transport;
	}

	async #produce(pub: LocalPublication, epoch: number): Promise<void> {
		const transport = this.#send;
		// A publish() during start() could otherwise produce the same source twice.
		if (!transport || this.#producing.has(pub) || this.#producers.has(pub.source)) return;
		this.#producing.add(pub);
		try {
			await this.#produceOn(transport, pub, epoch);
		} finally {
			this.#producing.delete(pub);
		}
	}

	async #produceOn(transport: types.Transport, pub: LocalPublication, epoch: number): Promise<void> {
		const kind = pub.track.kind as 'audio' | 'video';
		if (!this.#device!.canProduce(kind)) throw new Error(`cannot produce ${kind}`);
		pub.track.enabled = !pub.paused;
		const pausedAtStart = pub.paused;
		const producer = await transport.produce({
			track: pub.track,
			...producerPreset(this.#role, pub.source, pub.track),
			// We own the tracks: they outlive producers so a rebuild can publish them again.
			stopTracks: false,
			appData: { source: pub.source, paused: pausedAtStart }
		});
		if (epoch !== this.#epoch || this.#publications.get(pub.source) !== pub) {
			producer.close();
			if (epoch === this.#epoch) {
				await this.#deps.request('media.closeProducer', { producerId: producer.id }).catch(() => {});
			}
			this.#check(epoch);
			return;
		}
		if (pub.paused) producer.pause();
		this.#producers.set(pub.source, producer);
		pub.producerId = producer.id;
		this.#deps.changed();
		// Muted or unmuted while the producer was being created: tell the server the final state.
		if (pub.paused !== pausedAtStart) {
			await this.#deps.request('media.pauseProducer', { producerId: producer.id, paused: pub.paused }).catch(() => {});
		}
	}

	#dropConsumer(consumerId: string): void {
		if (this.#consumers.delete(consumerId)) this.#deps.changed();
	}

	#patchConsumer(consumerId: string, patch: Partial<Pick<RemoteMedia, 'paused' | 'spatialLayer'>>): void {
		const entry = this.#consumers.get(consumerId);
		if (!entry) return;
		entry.media = { ...entry.media, ...patch };
		this.#deps.changed();
	}

	#check(epoch: number): void {
		if (epoch !== this.#epoch) throw new StaleEpoch();
	}
}

export { StaleEpoch };
