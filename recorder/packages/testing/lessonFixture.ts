import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import path from 'node:path';
import { CLASSROOM_EVENT_VERSION, type BoardSnapshot, type ClassroomEvent, type RecordingManifest, type TimelineEntry } from '../../../protocol/index.ts';
import { makeProgramWebm, writeFixturePackage } from '../../testing/packageFixture.ts';

export const STUDENT_NAME = 'Li Lei';
export const STUDENT_ID = 'stu_lilei';

/** A single-choice quiz in the fixture's timeline. */
export interface FixturePoll {
	pollId: string;
	question: string;
	options: string[];
	correct: number;
	mediaMs: number;
}

/** Marked moments of the fixture lesson, for seeking. */
export const MARKS = {
	page1Board: 1500,
	page2: 4000,
	page2Board: 5000
} as const;

let seq = 0;
function event(lessonId: string, at: number, type: ClassroomEvent['type'], actor: string, role: ClassroomEvent['role'], data: unknown, classroomId: string | null = null): ClassroomEvent {
	return { v: CLASSROOM_EVENT_VERSION, id: `ev${++seq}`, lessonId, at, type, actor, role, classroomId, data } as ClassroomEvent;
}

/**
 * A ready lesson package with everything an export carries: programme media (`seconds` long), a
 * two-page deck, slide changes, board drawings on both pages, a student's join and chat line, and
 * a poll with its results.
 */
export async function writeLessonFixture(
	dataDir: string,
	lessonId: string,
	opts: {
		seconds?: number;
		title?: string;
		/** A noisy picture at this bitrate (the package's size ≈ bitrate × seconds). */
		videoKbps?: number;
		/** The recorded quiz (default: poll1, "Which is bigger?", at 2 s, right answer 1/2). */
		poll?: FixturePoll;
	} = {}
): Promise<RecordingManifest> {
	const poll: FixturePoll = opts.poll ?? { pollId: 'poll1', question: 'Which is bigger?', options: ['1/2', '1/3'], correct: 0, mediaMs: 2000 };
	const seconds = opts.seconds ?? 8;
	const program = path.join(dataDir, `fixture-${lessonId}.webm`);
	if (opts.videoKbps) await makeNoisyWebm(program, seconds, opts.videoKbps);
	else await makeProgramWebm(program, seconds);
	const startedAt = Date.UTC(2026, 2, 10, 8, 0, 0);
	const base = await writeFixturePackage(dataDir, {
		lessonId,
		title: opts.title ?? 'Fractions 分数',
		teacherName: 'Ms Wang',
		classrooms: [{ id: 'room1', name: 'Hillside' }],
		startedAt,
		program
	});
	const durationMs = seconds * 1000;
	const manifest: RecordingManifest = { ...base, durationMs, endedAt: startedAt + durationMs, media: { ...base.media!, durationMs, voices: [{ participantId: 'tch_wang', role: 'teacher', classroomId: null }] } };
	const dir = path.join(dataDir, 'recordings', lessonId);
	await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
	const at = (ms: number) => startedAt + ms;
	const timeline: TimelineEntry[] = [
		{ kind: 'surface', mediaMs: 0, view: { kind: 'deck', deckId: 'deck1', page: 1 } },
		{ kind: 'event', mediaMs: 300, event: event(lessonId, at(300), 'participant.joined', STUDENT_ID, 'student', { displayName: STUDENT_NAME, rejoin: false, joinedAt: at(300) }, 'room1') },
		{ kind: 'chat', mediaMs: 800, messageId: 'm1', from: STUDENT_NAME, role: 'student', classroomId: 'room1', channel: 'chat', text: 'I see three quarters' },
		{
			kind: 'event',
			mediaMs: poll.mediaMs,
			event: event(lessonId, at(poll.mediaMs), 'poll.opened', 'tch_wang', 'teacher', {
				pollId: poll.pollId, kind: 'single', question: poll.question, options: poll.options, anonymous: false, quiz: true, allowChange: false,
				timerSeconds: null, prepared: false, slide: null, openedAt: at(poll.mediaMs), closesAt: null, answerKey: poll.correct
			})
		},
		{ kind: 'pollResults', mediaMs: poll.mediaMs + 1000, pollId: poll.pollId, results: { answered: 1, counts: poll.options.map((_, i) => (i === poll.correct ? 1 : 0)), correct: 1 } },
		{
			kind: 'event',
			mediaMs: MARKS.page2,
			event: event(lessonId, at(MARKS.page2), 'slide.shown', 'tch_wang', 'teacher', { kind: 'deck', deckId: 'deck1', page: 2, boardId: null })
		}
	];
	await writeFile(path.join(dir, 'timeline.jsonl'), timeline.map((e) => JSON.stringify(e)).join('\n') + '\n');
	const boards: BoardSnapshot[] = [
		{ mediaMs: 1000, boardId: 'd_deck1_1', records: [boardPage('d_deck1_1'), geo('shape:box1', 'page:d_deck1_1')] },
		{ mediaMs: MARKS.page2Board - 200, boardId: 'd_deck1_2', records: [boardPage('d_deck1_2'), geo('shape:circle2', 'page:d_deck1_2', 'ellipse')] }
	];
	await writeFile(path.join(dir, 'boards.jsonl'), boards.map((e) => JSON.stringify(e)).join('\n') + '\n');
	return manifest;
}

/** Board records as a real recording holds them: complete, so tldraw's own store takes them. */
function boardPage(boardId: string): Record<string, unknown> {
	return { id: `page:${boardId}`, typeName: 'page', name: boardId, index: 'a1', meta: {} };
}

function geo(id: string, parentId: string, shape = 'rectangle'): Record<string, unknown> {
	return {
		id,
		typeName: 'shape',
		type: 'geo',
		parentId,
		index: 'a1',
		x: 200,
		y: 150,
		rotation: 0,
		isLocked: false,
		opacity: 1,
		meta: {},
		props: {
			geo: shape,
			dash: 'draw',
			url: '',
			w: 300,
			h: 200,
			growY: 0,
			scale: 1,
			flipX: false,
			flipY: false,
			labelColor: 'black',
			color: 'red',
			fill: 'none',
			size: 'm',
			font: 'draw',
			align: 'middle',
			verticalAlign: 'middle',
			richText: { type: 'doc', content: [{ type: 'paragraph' }] }
		}
	};
}

/** A VP8 + Opus WebM of moving noise (it does not compress), about `kbps` × `seconds` big. */
async function makeNoisyWebm(file: string, seconds: number, kbps: number): Promise<void> {
	await promisify(execFile)('/usr/bin/ffmpeg', [
		'-hide_banner', '-loglevel', 'error', '-y',
		'-f', 'lavfi', '-i', `testsrc2=size=320x240:rate=10:duration=${seconds},noise=alls=70:allf=t+u`,
		'-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`,
		'-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', `${kbps}k`, '-minrate', `${kbps}k`, '-maxrate', `${kbps}k`,
		'-c:a', 'libopus', '-shortest', file
	]);
}
