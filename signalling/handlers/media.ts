import { SfuError, type DtlsParameters, type MediaKind, type RtpCapabilities, type RtpParameters } from '../../sfu/index.ts';
import { AppError, forbidden, invalid, notFound } from '../../core/errors.ts';
import { PUBLISHABLE_SOURCES, type PublishedTrack, type TransportInfo } from '../../protocol/index.ts';
import { pending } from '../lesson/commit.ts';
import type { Handler, HandlerContext } from './context.ts';

/** Transports a peer may hold at once (a send and a recv, plus slack for a rebuild in flight). */
const MAX_TRANSPORTS = 4;

function ownTransport({ peer }: HandlerContext, transportId: string, direction?: 'send' | 'recv'): void {
	if (!peer.ownsTransport(transportId, direction)) throw notFound(`no ${direction ?? ''} transport ${transportId} of yours`.replace('  ', ' '));
}

export const createTransport: Handler<'media.createTransport'> = async ({ session, peer }, { direction }) => {
	if (direction === 'send' && PUBLISHABLE_SOURCES[peer.participant.role].length === 0) {
		throw forbidden(`a ${peer.participant.role} does not publish media`);
	}
	const media = await session.media();
	for (const id of [...peer.transports.keys()]) {
		if (!media.hasTransport(id)) peer.transports.delete(id);
	}
	if (peer.transports.size >= MAX_TRANSPORTS) throw new AppError('conflict', 'too many transports; close one first');
	const edgeNodeId = peer.edgeNodeId;
	const transport = await media.createWebRtcTransport({ participantId: peer.id, direction }, edgeNodeId ? { edgeNodeId } : {});
	peer.transports.set(transport.id, { direction });
	const info: TransportInfo = {
		id: transport.id,
		iceParameters: transport.iceParameters as unknown as TransportInfo['iceParameters'],
		iceCandidates: transport.iceCandidates as unknown as TransportInfo['iceCandidates'],
		dtlsParameters: transport.dtlsParameters as unknown as TransportInfo['dtlsParameters']
	};
	return info;
};

export const connectTransport: Handler<'media.connectTransport'> = async (ctx, { transportId, dtlsParameters }) => {
	ownTransport(ctx, transportId);
	const media = await ctx.session.media();
	await media.connectTransport(transportId, dtlsParameters as DtlsParameters).catch((error: Error) => {
		if (error instanceof SfuError) throw error;
		throw invalid(`cannot connect transport: ${error.message}`);
	});
	return null;
};

export const restartIce: Handler<'media.restartIce'> = async (ctx, { transportId }) => {
	ownTransport(ctx, transportId);
	const media = await ctx.session.media();
	const iceParameters = await media.restartIce(transportId);
	return { iceParameters: iceParameters as unknown as Record<string, unknown> };
};

export const ready: Handler<'media.ready'> = async ({ session, peer }, { rtpCapabilities }) => {
	peer.rtpCapabilities = rtpCapabilities as unknown as RtpCapabilities;
	session.reconcile(peer);
	return null;
};

export const produce: Handler<'media.produce'> = async (ctx, { transportId, kind, source, rtpParameters, paused }) => {
	const { session, peer } = ctx;
	ownTransport(ctx, transportId, 'send');
	if (!PUBLISHABLE_SOURCES[peer.participant.role].includes(source)) {
		throw forbidden(`a ${peer.participant.role} may not publish ${source}`);
	}
	if ((source === 'mic') !== (kind === 'audio')) throw invalid(`source ${source} must be ${source === 'mic' ? 'audio' : 'video'}`);
	for (const track of peer.tracks.values()) {
		if (track.source === source) throw new AppError('conflict', `you already publish ${source}; close it first`);
	}
	const media = await session.media();
	const track = await session.commit(peer, {
		apply: async () => {
			const producer = await media.produce(transportId, kind as MediaKind, rtpParameters as unknown as RtpParameters, paused, { participantId: peer.id, source });
			const track: PublishedTrack = {
				producerId: producer.id,
				participantId: peer.id,
				classroomId: peer.participant.classroomId,
				role: peer.participant.role,
				source,
				kind: producer.kind,
				paused: producer.paused
			};
			// The media policy forgets the track when the producer closes with its transport.
			peer.tracks.set(producer.id, track);
			return track;
		},
		events: (track) => [pending('media.published', { producerId: track.producerId, source, kind: track.kind })]
	});
	return { producerId: track.producerId };
};

function ownTrack({ peer }: HandlerContext, producerId: string): PublishedTrack {
	const track = peer.tracks.get(producerId);
	if (!track) throw notFound(`no producer ${producerId} of yours`);
	return track;
}

export const closeProducer: Handler<'media.closeProducer'> = async (ctx, { producerId }) => {
	const track = ownTrack(ctx, producerId);
	const media = await ctx.session.media();
	await ctx.session.commit(ctx.peer, {
		apply: async () => {
			ctx.peer.tracks.delete(producerId);
			media.closeProducer(producerId);
		},
		events: () => [pending('media.unpublished', { producerId, source: track.source })]
	});
	return null;
};

export const pauseProducer: Handler<'media.pauseProducer'> = async (ctx, { producerId, paused }) => {
	const track = ownTrack(ctx, producerId);
	const media = await ctx.session.media();
	await ctx.session.commit(ctx.peer, {
		apply: async () => {
			await media.pauseProducer(producerId, paused);
			const changed = track.paused !== paused;
			track.paused = paused;
			return changed;
		},
		events: (changed) => (changed ? [pending('media.paused', { producerId, source: track.source, paused })] : [])
	});
	return null;
};

function ownConsumer({ peer }: HandlerContext, consumerId: string) {
	const consumer = peer.consumerById(consumerId);
	if (!consumer) throw notFound(`no consumer ${consumerId} of yours`);
	return consumer;
}

export const resumeConsumer: Handler<'media.resumeConsumer'> = async (ctx, { consumerId }) => {
	ownConsumer(ctx, consumerId);
	const media = await ctx.session.media();
	await media.resumeConsumer(consumerId);
	return null;
};

export const setPreferredLayers: Handler<'media.setPreferredLayers'> = async (ctx, { consumerId, spatialLayer, temporalLayer }) => {
	const consumer = ownConsumer(ctx, consumerId);
	if (consumer.type !== 'simulcast') throw invalid('only simulcast video has layers');
	const media = await ctx.session.media();
	consumer.targetLayer = spatialLayer;
	await media.setTargetLayer(consumerId, spatialLayer, temporalLayer);
	return null;
};

export const setAudioOnly: Handler<'media.setAudioOnly'> = async ({ session, peer }, { classroomId, audioOnly }) => {
	if (!session.classroom(classroomId)) throw notFound(`classroom ${classroomId} is not in this lesson`);
	if (peer.participant.role !== 'teacher' && peer.participant.classroomId !== classroomId) {
		throw forbidden('you may switch only your own classroom to audio-only');
	}
	await session.commit(peer, {
		apply: () => session.store.setAudioOnly(session.lessonId, classroomId, audioOnly),
		events: (changed) => (changed ? [pending('audioOnly.changed', { audioOnly }, { by: { ...session.actorOf(peer), classroomId } })] : [])
	});
	return null;
};
