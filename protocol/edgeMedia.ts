import { z } from 'zod';
import { IdSchema } from './common.ts';
import { DtlsParametersSchema, RtpCapabilitiesSchema, RtpParametersSchema } from './requests.ts';

/**
 * Between the nodes of a cluster: the origin of a lesson drives its media on an edge node over one
 * WebSocket per pair of nodes (`EDGE_MEDIA_PATH`, opened with the forwarding stamp). The origin
 * sends `{id, method, params}` and gets `{id, ok, result | error}`; the edge sends `{event}`.
 * Every message is parsed with these schemas on arrival (mediasoup checks the media parameters
 * themselves further).
 */
export const EDGE_MEDIA_PATH = '/internal/edge-media';

const MediasoupId = z.uuid();
const Kind = z.enum(['audio', 'video']);
const AppData = z.record(z.string(), z.unknown());
const SrtpParameters = z.object({ cryptoSuite: z.string().min(1).max(64), keyBase64: z.string().min(1).max(200) });
const PipeEnd = z.object({ ip: z.string().min(1).max(64), port: z.number().int().min(1).max(65535), srtpParameters: SrtpParameters });

export const EdgeParamsSchemas = {
	'lesson.open': z.object({ lessonId: IdSchema, origin: PipeEnd }),
	'lesson.close': z.object({ lessonId: IdSchema }),
	'transport.create': z.object({ lessonId: IdSchema, appData: AppData }),
	'transport.connect': z.object({ transportId: MediasoupId, dtlsParameters: DtlsParametersSchema }),
	'transport.restartIce': z.object({ transportId: MediasoupId }),
	'transport.stats': z.object({ transportId: MediasoupId }),
	'transport.close': z.object({ transportId: MediasoupId }),
	'producer.create': z.object({ transportId: MediasoupId, kind: Kind, rtpParameters: RtpParametersSchema, paused: z.boolean(), appData: AppData }),
	'producer.pause': z.object({ producerId: MediasoupId, paused: z.boolean() }),
	'producer.stats': z.object({ producerId: MediasoupId }),
	'producer.close': z.object({ producerId: MediasoupId }),
	'pipe.produce': z.object({ lessonId: IdSchema, producerId: MediasoupId, kind: Kind, rtpParameters: RtpParametersSchema, paused: z.boolean() }),
	'pipe.pause': z.object({ lessonId: IdSchema, producerId: MediasoupId, paused: z.boolean() }),
	'pipe.close': z.object({ lessonId: IdSchema, producerId: MediasoupId }),
	'consumer.create': z.object({
		transportId: MediasoupId,
		producerId: MediasoupId,
		rtpCapabilities: RtpCapabilitiesSchema,
		preferredLayers: z.object({ spatialLayer: z.number().int().min(0).max(3), temporalLayer: z.number().int().min(0).max(3).optional() }).optional(),
		appData: AppData
	}),
	'consumer.resume': z.object({ consumerId: MediasoupId }),
	'consumer.pause': z.object({ consumerId: MediasoupId }),
	'consumer.requestKeyFrame': z.object({ consumerId: MediasoupId }),
	'consumer.setPreferredLayers': z.object({ consumerId: MediasoupId, spatialLayer: z.number().int().min(0).max(3), temporalLayer: z.number().int().min(0).max(3).optional() }),
	'consumer.stats': z.object({ consumerId: MediasoupId }),
	'consumer.close': z.object({ consumerId: MediasoupId })
} as const;

export type EdgeMethodName = keyof typeof EdgeParamsSchemas;
export const EDGE_METHODS = Object.keys(EdgeParamsSchemas) as EdgeMethodName[];

/** A call from the origin. */
export const EdgeRequestSchema = z.object({
	id: z.number().int().nonnegative(),
	method: z.enum(EDGE_METHODS as [EdgeMethodName, ...EdgeMethodName[]]),
	params: z.unknown()
});

/** The edge's answer to one call. Results are mediasoup's own objects (checked where they are used). */
export const EdgeReplySchema = z.union([
	z.object({ id: z.number().int().nonnegative(), ok: z.literal(true), result: z.unknown() }),
	z.object({ id: z.number().int().nonnegative(), ok: z.literal(false), error: z.object({ code: z.string().max(64), message: z.string().max(2000) }) })
]);

const ScoreState = z.object({ score: z.number(), producerScore: z.number(), producerScores: z.array(z.number()).max(8) });
const Layers = z.object({ spatialLayer: z.number().int(), temporalLayer: z.number().int().optional() }).nullable();

export const EdgeEventSchema = z.discriminatedUnion('type', [
	z.object({ type: z.literal('lesson.closed'), lessonId: IdSchema }),
	z.object({ type: z.literal('transport.closed'), transportId: MediasoupId }),
	z.object({ type: z.literal('producer.closed'), producerId: MediasoupId }),
	z.object({ type: z.literal('producer.score'), producerId: MediasoupId, score: z.array(z.object({ score: z.number() })).max(8) }),
	z.object({ type: z.literal('consumer.closed'), consumerId: MediasoupId, reason: z.enum(['producer_closed', 'transport_closed']) }),
	z.object({ type: z.literal('consumer.score'), consumerId: MediasoupId, score: ScoreState }),
	z.object({ type: z.literal('consumer.layers'), consumerId: MediasoupId, layers: Layers }),
	z.object({ type: z.literal('consumer.producerPaused'), consumerId: MediasoupId, paused: z.boolean() }),
	z.object({ type: z.literal('consumer.nack'), consumerId: MediasoupId })
]);

export const EdgeEventMessageSchema = z.object({ event: EdgeEventSchema });
