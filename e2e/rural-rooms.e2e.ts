import { expect, test } from '@playwright/test';
import { PROFILES, ROOMS, debugSay, startLesson, takeAudioGap, teacherCameraWidth, teacherMicStat, type Lesson, type RoomName } from './rural-scenario.ts';
import { deckCached, ruralDeck, timePageTurn, timeStroke, uploadDeck, type Latencies } from './rural-surface.ts';
import { cameraLayersSending } from './support.ts';
import { slides } from './surface-support.ts';

/**
 * One lesson, the teacher on a clean link, three classrooms on good, rural and poor links at once
 * (each through its own userspace relay: rate caps, loss, delay, jitter; see e2e/ruralLink.ts).
 * Asserted are the modes and the recoveries, with timeouts a loaded 2-core machine meets; the
 * figures (concealment, gaps, layer shares, times) are `npm run bench:rural`'s.
 *
 * CB_E2E_RURAL=0 skips it.
 */
test.skip(process.env.CB_E2E_RURAL === '0', 'CB_E2E_RURAL=0');

const micPackets = async (lesson: Lesson, room: RoomName) => (await teacherMicStat(lesson.rooms[room].page))?.packetsReceived ?? 0;
const cameraWidth = (lesson: Lesson, room: RoomName) => teacherCameraWidth(lesson.rooms[room].page);
const weakShown = (lesson: Lesson, room: RoomName) => lesson.rooms[room].page.getByTestId('weak-link-notice').isVisible();

async function audioKeepsFlowing(lesson: Lesson, room: RoomName): Promise<void> {
	for (let i = 0; i < 2; i++) {
		const before = await micPackets(lesson, room);
		await lesson.teacher.waitForTimeout(2_000);
		expect(await micPackets(lesson, room), `${room}: teacher audio keeps flowing`).toBeGreaterThan(before);
	}
}

/**
 * Slides and board with every byte of the room pages (HTTP, socket.io, board WebSocket) on the
 * rooms' links too (e2e/ruralTcpLink.ts). Opt-in (CB_E2E_RURAL_SURFACE=1): it is not yet green on
 * the shared 2-core machine. What made the poor room miss page 1 is fixed (the relay cut the end of
 * slow answers and could reorder a stream's bytes; socket.io's 6 s pong timeout dropped the poor
 * room's socket, each drop a full rejoin; the board's code and 16 fonts crossed the link at the
 * showing): page 1 now shows on every room 3-20 s after the showing, the poor room as fast as the
 * good one. What is left fails on the good room as much as on the poor one, so it is the machine's
 * load (load average 16-34 in these runs, the relays sharing this runner's event loop, up to 2 s
 * late): the first page turn after the showing took 3-21 s on every room, later ones 0.3-2.6 s;
 * strokes 0.4-3.6 s. See the issue-14 notes in BENCHMARKS.md.
 */
test('slides and board on good, rural and poor links: the deck crosses with progress, page turns within 2 s, strokes within 1 s', async () => {
	test.skip(process.env.CB_E2E_RURAL_SURFACE !== '1', 'opt-in: CB_E2E_RURAL_SURFACE=1 (not yet green on the shared machine, see above)');
	test.setTimeout(600_000);
	const lesson = await startLesson('课件与白板 · Slides on three links', { signallingOnLink: true });
	try {
		for (const page of [lesson.teacher, ...ROOMS.map((r) => lesson.rooms[r].page)]) {
			await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'connected', { timeout: 60_000 });
		}
		// What is timed here is the links, not the shared 2-core machine: the teacher's camera
		// (three simulcast layers, decoded on three room pages) stops, the audio goes on.
		const camera = lesson.teacher.getByTestId('toggle-camera');
		await expect(camera).toHaveAttribute('data-state', 'on', { timeout: 30_000 });
		await camera.click();
		await expect(camera).toHaveAttribute('data-state', 'off');
		lesson.setLink('good', PROFILES.good);
		lesson.setLink('rural', PROFILES.rural);
		lesson.setLink('poor', PROFILES.poor);
		await slidesAndBoard(lesson);
	} finally {
		await lesson.close();
	}
});

/** The worst a lost TCP segment costs on the poor link: one retransmission timeout (600 ms RTT). */
const POOR_RETRANSMIT_MS = 600;

/**
 * On the impaired links: a deck crosses (its progress shows on the poor room meanwhile), then page
 * turns show on every room within 2 s and board strokes within 1 s. On the poor link a stroke that
 * loses its segment waits for TCP to send it again; that one is allowed the retransmission on top.
 */
async function slidesAndBoard(lesson: Lesson): Promise<void> {
	const deckId = await uploadDeck(lesson.teacher, await ruralDeck(5, 160));
	debugSay('test', `deck ${deckId} uploaded`);
	await expect(lesson.rooms.poor.page.getByTestId('deck-progress'), "poor room: the deck's progress shows while it crosses the link").toBeVisible({ timeout: 10_000 });
	for (const room of ROOMS) {
		await expect.poll(() => deckCached(lesson.rooms[room].page, deckId), { timeout: 60_000, intervals: [500], message: `${room}: the deck is on the device` }).toBe(true);
	}
	// The rooms fetch the slide and board code ahead too (pdf.js and its worker, tldraw, its fonts:
	// about 2.3 MB, which the poor link needs minutes for on a device's first lesson); timed below is
	// a lesson on devices that have it, as they do from their second lesson on (immutable files).
	const codeWaitFrom = Date.now();
	for (const room of ROOMS) {
		await expect(lesson.rooms[room].page.getByTestId('code-prefetch'), `${room}: the slide and board code is on the device`).toHaveAttribute('data-state', 'ready', { timeout: 240_000 });
	}
	console.log(`rural rooms: the slide and board code on every room ${((Date.now() - codeWaitFrom) / 1000).toFixed(1)} s after the deck was`);
	// The first showing opens the document in pdf.js (its worker, the parse): seconds on a busy machine, whatever the link.
	const shownAt = Date.now();
	debugSay('test', 'the teacher shows the deck');
	await lesson.teacher.getByTestId(`deck-show-${deckId}`).click();
	const firstPage = await Promise.all(
		ROOMS.map(async (room) => {
			await expect.poll(() => slides.renderedPage(lesson.rooms[room].page), { timeout: 45_000, message: `${room}: page 1` }).toBe(1);
			return `${room} ${((Date.now() - shownAt) / 1000).toFixed(1)} s`;
		})
	);
	console.log(`rural rooms: the deck's first page after ${firstPage.join(', ')}`);
	const turns: Latencies[] = [];
	for (let page = 2; page <= 4; page++) turns.push(await timePageTurn(lesson, page));
	const strokes: Latencies[] = [];
	for (let i = 0; i < 4; i++) {
		debugSay('test', `stroke ${i}`);
		strokes.push(await timeStroke(lesson, i));
	}
	const per = (all: Latencies[], room: RoomName) => all.map((l) => l[room]);
	console.log(`rural rooms: page turns (ms) ${JSON.stringify(Object.fromEntries(ROOMS.map((r) => [r, per(turns, r)])))}; strokes (ms) ${JSON.stringify(Object.fromEntries(ROOMS.map((r) => [r, per(strokes, r)])))}`);
	for (const room of ROOMS) {
		for (const ms of per(turns, room)) {
			expect(ms, `${room}: the page turn arrives`).toBeGreaterThanOrEqual(0);
			expect(ms, `${room}: a page turn shows within 2 s`).toBeLessThanOrEqual(2_000);
		}
		const ms = per(strokes, room).sort((a, b) => a - b);
		expect(ms[0], `${room}: strokes arrive`).toBeGreaterThanOrEqual(0);
		expect(ms[Math.floor(ms.length / 2)], `${room}: a stroke reaches the room within 1 s`).toBeLessThanOrEqual(1_000);
		expect(ms.at(-1), `${room}: every stroke within 1 s${room === 'poor' ? ' (plus one retransmission)' : ''}`).toBeLessThanOrEqual(room === 'poor' ? 1_000 + POOR_RETRANSMIT_MS : 1_000);
	}
}

test('three rooms on good, rural and poor links: the good room is untouched, the poor one falls back to audio + slides and comes back', async () => {
	test.setTimeout(540_000);
	const lesson = await startLesson('三条弱网 · Three links');
	try {
		for (const page of [lesson.teacher, ...ROOMS.map((r) => lesson.rooms[r].page)]) {
			await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'connected', { timeout: 60_000 });
		}
		lesson.setLink('good', PROFILES.good);
		for (const room of ROOMS) {
			await expect.poll(() => cameraWidth(lesson, room), { timeout: 90_000, intervals: [1000], message: `${room}: teacher camera arrives` }).toBeGreaterThan(0);
		}
		await expect.poll(() => cameraWidth(lesson, 'good'), { timeout: 90_000, intervals: [1000], message: 'good room on the top layer' }).toBe(1280);
		lesson.startSampling();

		lesson.setLink('rural', PROFILES.rural);
		lesson.setLink('poor', PROFILES.poor);
		const impairedAt = Date.now();
		await expect.poll(() => weakShown(lesson, 'poor'), { timeout: 60_000, intervals: [1000], message: 'poor room falls back to audio + slides' }).toBe(true);
		console.log(`rural rooms: poor room fell back ${((Date.now() - impairedAt) / 1000).toFixed(1)} s after its link went poor`);
		await expect.poll(() => lesson.teacherSeesWeak('poor'), { timeout: 15_000, message: "the teacher's tile shows the poor room's mode" }).toBe(true);
		await expect.poll(() => cameraWidth(lesson, 'poor'), { timeout: 15_000, message: 'poor room: no teacher video' }).toBe(0);
		await expect
			.poll(async () => {
				const width = await cameraWidth(lesson, 'rural');
				return width > 0 && width < 1280;
			}, { timeout: 90_000, intervals: [1000], message: 'rural room steps down and keeps video' })
			.toBe(true);
		for (const room of ROOMS) await audioKeepsFlowing(lesson, room);
		await lesson.shots('impaired');

		// A 30 s outage of a whole link (media, signalling, board) is e2e/rural-outage.e2e.ts.

		// The links clear.
		lesson.setLink('rural', PROFILES.good);
		lesson.setLink('poor', PROFILES.good);
		const clearAt = Date.now();
		await expect.poll(() => weakShown(lesson, 'poor'), { timeout: 90_000, intervals: [1000], message: 'poor room leaves audio + slides' }).toBe(false);
		await expect.poll(() => cameraWidth(lesson, 'poor'), { timeout: 60_000, intervals: [1000], message: 'poor room gets video back' }).toBeGreaterThan(0);
		console.log(`rural rooms: poor room back on video ${((Date.now() - clearAt) / 1000).toFixed(1)} s after its link cleared`);
		await expect.poll(() => lesson.teacherSeesWeak('poor'), { timeout: 15_000 }).toBe(false);
		// Back up to the best layer the teacher sends then (126 s in one CI run, 20 s in another): on this 2-core machine the teacher's own
		// estimate (a clean link, but a starved CPU) drops the 1280 layer for stretches, and no room
		// can receive a layer that is not sent.
		let seen = { room: 0, teacher: [] as number[] };
		await expect
			.poll(
				async () => {
					const [room, teacher] = await Promise.all([cameraWidth(lesson, 'rural'), cameraLayersSending(lesson.teacher)]);
					seen = { room, teacher };
					return room >= 640 && room === Math.max(...teacher);
				},
				{ timeout: 210_000, intervals: [1000], message: "rural room back up on the teacher's best layer" }
			)
			.toBe(true);
		console.log(`rural rooms: rural room back on ${seen.room} (teacher sending ${seen.teacher.join(', ')}) ${((Date.now() - clearAt) / 1000).toFixed(1)} s after its link cleared`);
		await lesson.shots('recovered');
		await lesson.stopSampling();

		// The good room was never touched by the others: never on audio + slides.
		const good = lesson.rooms.good.samples;
		expect(good.length).toBeGreaterThan(30);
		expect(good.filter((s) => s.weak), 'good room never fell back').toEqual([]);
		// Tolerates a sample or two read between a frame's packets and its decode on a busy machine.
		expect(good.filter((s) => s.width === 0).length, 'good room always had video').toBeLessThanOrEqual(3);
		const top = good.filter((s) => s.width >= 1280).length / good.length;
		console.log(`rural rooms: good room on the top layer ${(top * 100).toFixed(0)} % of ${good.length} s; longest audio gaps (concealed, without packets) since the last read: ${JSON.stringify(Object.fromEntries(await Promise.all(ROOMS.map(async (r) => [r, await takeAudioGap(lesson.rooms[r].page)]))))}`);
	} finally {
		// What each relay dropped (its loss and its full rate queue) beside what it carried.
		console.log(`rural rooms: relays ${JSON.stringify(Object.fromEntries(ROOMS.map((r) => [r, { down: lesson.rooms[r].link.down.counters, up: lesson.rooms[r].link.up.counters }])))}`);
		await lesson.close();
	}
});
