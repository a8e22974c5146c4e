// A server that records and then dies without stopping (the test SIGKILLs this process): a real
// worker, an ffmpeg-fed camera and mic, a PartRecorder writing into argv[2]. Prints one JSON line
// { sourcePid, startedAt } once recording.
import { createTestRouter } from '../../../sfu/testing/testRouter.ts';
import { PartRecorder } from '../PartRecorder.ts';
import { FfmpegSource } from './ffmpegSource.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: abandonedRecorder <part dir>');
const { router } = await createTestRouter();
const source = await FfmpegSource.start(router, { streams: [{ kind: 'video', width: 320, height: 240, fps: 15 }, { kind: 'audio', frequency: 330 }] });
const recorder = await PartRecorder.start(router, { dir, index: 0, segmentSeconds: 2 });
for (const producer of source.producers) {
	await recorder.addTrack(producer, { producerId: producer.id, kind: producer.kind, source: producer.kind === 'audio' ? 'mic' : 'camera', participantId: 'teacher-1', role: 'teacher', classroomId: null });
}
process.stdout.write(`${JSON.stringify({ sourcePid: source.pid, startedAt: recorder.startedAt })}\n`);
setInterval(() => undefined, 60_000);
