export { Sfu, type SfuCounts } from './Sfu.ts';
export { LessonMedia, type ConsumeOptions, type LessonMediaEvents } from './LessonMedia.ts';
export { WorkerPool, type WorkerPoolOptions, type WorkerSlot } from './WorkerPool.ts';
export { SfuError, type SfuErrorReason } from './errors.ts';
export { ROUTER_MEDIA_CODECS, clientRtpCapabilities } from './codecs.ts';
export type { ConsumerLayers, ConsumerParameters, ConsumerStats, LessonMediaFigures, LinkStats, ProducedTrack, StreamStats, TransportParameters } from './mediaTypes.ts';
export type { DtlsParameters, MediaKind, RtpCapabilities, RtpParameters } from './types.ts';
export { MediaTap, type MediaTapEvents, type TapTarget } from './MediaTap.ts';
export { LessonRouter } from './LessonRouter.ts';
