/** The recorder's ffmpeg test publisher, reachable by other parts' tests (they may import `<part>/testing/` only). */
export { FfmpegSource, type FfmpegSourceOptions, type SourceStream } from '../media/testing/ffmpegSource.ts';
