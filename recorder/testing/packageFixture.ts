import { execFile } from 'node:child_process';
import { copyFile, mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { RECORDING_MANIFEST_VERSION, type BoardSnapshot, type RecordingManifest, type TimelineEntry } from '../../protocol/index.ts';
import { makeDeck } from '../../signalling/testing/pdfFixtures.ts';

const run = promisify(execFile);

/** A short VP8 + Opus WebM made by ffmpeg from test sources (a stand-in for a finalised programme). */
export async function makeProgramWebm(file: string, seconds = 2): Promise<void> {
	await mkdir(path.dirname(file), { recursive: true });
	await run('/usr/bin/ffmpeg', [
		'-hide_banner', '-loglevel', 'error', '-y',
		'-f', 'lavfi', '-i', `testsrc2=size=160x120:rate=10:duration=${seconds}`,
		'-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`,
		'-c:v', 'libvpx', '-deadline', 'realtime', '-c:a', 'libopus', '-shortest', file
	]);
}

export interface FixturePackage {
	lessonId: string;
	title: string;
	teacherName: string;
	classrooms: { id: string; name: string }[];
	startedAt: number;
	state?: RecordingManifest['state'];
	/** A WebM to copy as media/program.webm (ready packages). */
	program?: string;
}

/**
 * Writes a lesson package as the recorder leaves it (manifest, timeline, board snapshots, a deck,
 * the programme media) straight into a data folder, for tests of what reads packages.
 */
export async function writeFixturePackage(dataDir: string, p: FixturePackage): Promise<RecordingManifest> {
	const dir = path.join(dataDir, 'recordings', p.lessonId);
	const state = p.state ?? 'ready';
	await mkdir(path.join(dir, 'media'), { recursive: true });
	await mkdir(path.join(dir, 'decks'), { recursive: true });
	let programBytes = 0;
	if (state === 'ready' && p.program) {
		await copyFile(p.program, path.join(dir, 'media', 'program.webm'));
		programBytes = (await stat(path.join(dir, 'media', 'program.webm'))).size;
	}
	const deck = await makeDeck(['One', 'Two']);
	await writeFile(path.join(dir, 'decks', 'deck1.pdf'), deck);
	const durationMs = 2000;
	const manifest: RecordingManifest = {
		schemaVersion: RECORDING_MANIFEST_VERSION,
		lessonId: p.lessonId,
		title: p.title,
		teacherName: p.teacherName,
		classrooms: p.classrooms,
		state,
		progress: state === 'ready' ? 1 : state === 'finalising' ? 0.4 : 0,
		createdAt: p.startedAt,
		endedAt: state === 'recording' ? null : p.startedAt + durationMs,
		durationMs,
		parts: [{ index: 0, startedAt: p.startedAt, stoppedAt: state === 'recording' ? null : p.startedAt + durationMs, mediaStartMs: 0 }],
		media:
			state === 'ready'
				? { durationMs, program: { file: 'program.webm', bytes: programBytes, hasVideo: true, hasAudio: true }, screens: [], gaps: [], voices: [] }
				: null,
		decks: [{ deckId: 'deck1', fileName: 'deck1.pdf', pageCount: 2, file: 'decks/deck1.pdf' }],
		bytes: programBytes + deck.length,
		notes: []
	};
	await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
	const timeline: TimelineEntry[] = [
		{ kind: 'surface', mediaMs: 0, view: { kind: 'deck', deckId: 'deck1', page: 1 } },
		{ kind: 'chat', mediaMs: 500, messageId: 'm1', from: p.teacherName, role: 'teacher', classroomId: null, channel: 'chat', text: 'hello' }
	];
	await writeFile(path.join(dir, 'timeline.jsonl'), timeline.map((e) => JSON.stringify(e)).join('\n') + '\n');
	const boards: BoardSnapshot[] = [{ mediaMs: 800, boardId: 'd_deck1_1', records: [{ id: 'page:d_deck1_1', typeName: 'page' }] }];
	await writeFile(path.join(dir, 'boards.jsonl'), boards.map((e) => JSON.stringify(e)).join('\n') + '\n');
	return manifest;
}
