/**
 * A server that records a lesson until it is killed (recording.test.ts SIGKILLs it to crash the
 * server mid-part). Usage: node --import tsx crashingServer.ts <dataDir>. Prints one JSON line once
 * recording runs: { lessonId, teacherToken, publisherPids }.
 */
import { createLesson, startTestApp, TestClient } from '../../app/testing/harness.ts';
import { publishFfmpegTrack } from './ffmpegPublisher.ts';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: crashingServer.ts <dataDir>');
const t = await startTestApp({ RECORDING_MIN_FREE_MB: '1', RECORDING_SEGMENT_SECONDS: '2' }, dataDir);
const lesson = await createLesson(t, 1);
const teacher = new TestClient(t.url, lesson.token('teacher'));
await teacher.joinLesson();
const session = t.app.signalling.sessions.get(lesson.lesson.id);
if (!session || !teacher.join) throw new Error('no session');
const camera = await publishFfmpegTrack(session, teacher.join.self.id, 'camera');
const mic = await publishFfmpegTrack(session, teacher.join.self.id, 'mic');
await teacher.ok('recording.start', {});
process.stdout.write(`${JSON.stringify({ lessonId: lesson.lesson.id, teacherToken: lesson.token('teacher'), publisherPids: [camera.ffmpeg.pid, mic.ffmpeg.pid] })}\n`);
setInterval(() => undefined, 60_000);
