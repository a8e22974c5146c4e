export { Sfu, type SfuCounts } from './Sfu.ts';
export { LessonMedia, type ConsumeOptions } from './LessonMedia.ts';
export { WorkerPool, type WorkerPoolOptions, type WorkerSlot } from './WorkerPool.ts';
export { SfuError, type SfuErrorReason } from './errors.ts';
export { ROUTER_MEDIA_CODECS, clientRtpCapabilities } from './codecs.ts';
