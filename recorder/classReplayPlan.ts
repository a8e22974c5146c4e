import {
	PollSpecSchema,
	type ClassReplayPlan,
	type ClassReplayPoll,
	type ClassroomEvent,
	type ClassroomEventOf,
	type PollSpecInput,
	type RecordingManifest,
	type TimelineEntry
} from '../protocol/index.ts';
import { moduleLogger } from '../core/logger.ts';
import { RecordingError } from './errors.ts';

const log = moduleLogger('class-replay-plan');

type Opened = ClassroomEventOf<'poll.opened'>['data'];
type Answered = ClassroomEventOf<'poll.answered'>['data'];

/**
 * What a replayed session needs of a ready package: its media and, in time order, each recorded
 * poll with its spec. The right answer comes from the `poll.opened` event's `answerKey`; recordings
 * made before it was kept fall back to what a right answer on a device chose (choice and true/false
 * polls), else the poll is replayed without a right answer.
 */
export function classReplayPlan(manifest: RecordingManifest, timeline: TimelineEntry[]): ClassReplayPlan {
	if (manifest.state !== 'ready') throw new RecordingError('conflict', `the recorded lesson is not ready yet (${manifest.state})`);
	const media = manifest.media;
	const durationMs = media?.durationMs || manifest.durationMs;
	const opened = new Map<string, { mediaMs: number; data: Opened }>();
	const rightAnswers = new Map<string, Answered>();
	for (const entry of timeline) {
		if (entry.kind !== 'event') continue;
		const event = entry.event as ClassroomEvent;
		if (event.type === 'poll.opened' && !opened.has(event.data.pollId)) opened.set(event.data.pollId, { mediaMs: entry.mediaMs, data: event.data });
		if ((event.type === 'poll.answered' || event.type === 'poll.changed') && event.data.correct === true) rightAnswers.set(event.data.pollId, event.data);
	}
	const polls: ClassReplayPoll[] = [];
	for (const [pollId, { mediaMs, data }] of opened) {
		const spec = specOf(data, rightAnswers.get(pollId));
		if (!spec) {
			log.warn({ lessonId: manifest.lessonId, pollId }, 'a recorded poll could not be rebuilt; the replay skips it');
			continue;
		}
		polls.push({ pollId, mediaMs: Math.max(0, Math.min(durationMs, mediaMs)), spec });
	}
	polls.sort((a, b) => a.mediaMs - b.mediaMs);
	return {
		sourceLessonId: manifest.lessonId,
		title: manifest.title,
		teacherName: manifest.teacherName,
		durationMs,
		program: media?.program ? { file: media.program.file, hasVideo: media.program.hasVideo, hasAudio: media.program.hasAudio } : null,
		screens: (media?.screens ?? []).map((s) => ({ file: s.file, startMs: s.startMs, durationMs: s.durationMs })),
		polls
	};
}

function specOf(data: Opened, right: Answered | undefined) {
	const base = { question: data.question, anonymous: data.anonymous, allowChange: data.allowChange, timerSeconds: null, slide: null };
	const correct = data.quiz ? (data.answerKey ?? inferred(data, right)) : null;
	const input = (
		data.kind === 'single' || data.kind === 'multiple' ? { ...base, kind: data.kind, options: data.options, correct } : { ...base, kind: data.kind, correct }
	) as PollSpecInput;
	const parsed = PollSpecSchema.safeParse(input);
	if (parsed.success) return parsed.data;
	// A right answer that does not fit (a damaged package): the question still goes to the room.
	const plain = PollSpecSchema.safeParse({ ...input, correct: null });
	return plain.success ? plain.data : null;
}

function inferred(data: Opened, right: Answered | undefined): unknown {
	if (!right?.options) return null;
	if (data.kind === 'single') return right.options[0] ?? null;
	if (data.kind === 'multiple') return right.options;
	if (data.kind === 'truefalse') return right.options[0] === 0;
	return null;
}
