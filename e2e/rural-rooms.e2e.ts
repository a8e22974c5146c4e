import { expect, test } from '@playwright/test';
import { PROFILES, ROOMS, audioBuffering, concealmentPct, debugSay, micAudio, micPacketsSince, queueQuiet, startLesson, takeAudioGaps, teacherCameraRate, teacherCameraWidth, teacherMicPackets, settledTeacherMicStat, type AudioGaps, type Lesson, type RoomName } from './rural-scenario.ts';
import { deckCached, ruralDeck, timePageTurn, timeStroke, uploadDeck, type Latencies } from './rural-surface.ts';
import { retransmissionMs } from './ruralTcpLink.ts';
import { cameraLayersSending } from './support.ts';
import { slides } from './surface-support.ts';

/**
 * One lesson, the teacher on a clean link, three classrooms on good, rural and poor links at once
 * (each through its own userspace relay: rate caps, loss, delay, jitter; see e2e/ruralLink.ts).
 * Asserted are the modes, the recoveries, the good room on the top layer throughout (the layer the
 * SFU chose, every sample) and the audio the issue names (rural: no heard gap over
 * 300 ms once it has stepped down; poor: concealment under 10 % while on its link, with the
 * FEC the teacher's encoder adds for the lossiest room); the figures over a longer stretch
 * (concealment, gaps, layer shares, latencies, bytes) are `npm run bench:rural`'s.
 *
 * CB_E2E_RURAL=0 skips it.
 */
test.skip(process.env.CB_E2E_RURAL === '0', 'CB_E2E_RURAL=0');

const cameraWidth = (lesson: Lesson, room: RoomName) => teacherCameraWidth(lesson.rooms[room].page);
/** The issue's longest audio gap on the rural link. */
const RURAL_GAP_MAX_MS = 300;
/** Of the good room's frame rate: the teacher's camera at its full rate (a temporal step halves it). */
const FULL_RATE = 0.7;

/** The rural room's allowed gap: 300 ms, or the good room's own (a stall of this machine, heard on a clean link too) plus 150 ms. */
const gapAllowed = (gaps: Record<RoomName, AudioGaps>) => Math.max(RURAL_GAP_MAX_MS, gaps.good.heard + 150);

const weakShown = (lesson: Lesson, room: RoomName) => lesson.rooms[room].page.getByTestId('weak-link-notice').isVisible();

/** Compared consumer by consumer: a room that rejoins gets its teacher audio on a new consumer. */
async function audioKeepsFlowing(lesson: Lesson, room: RoomName): Promise<void> {
	for (let i = 0; i < 2; i++) {
		const before = await teacherMicPackets(lesson.rooms[room].page);
		await lesson.teacher.waitForTimeout(2_000);
		expect(micPacketsSince(before, await teacherMicPackets(lesson.rooms[room].page)), `${room}: teacher audio keeps flowing`).toBeGreaterThan(0);
	}
}

/**
 * Slides and board with every byte of the room pages (HTTP, socket.io, board WebSocket) on the
 * rooms' links too (e2e/ruralTcpLink.ts). CB_E2E_RURAL_SURFACE=0 skips it (it takes about 2.5 min).
 */
test('slides and board on good, rural and poor links: the deck crosses with progress, page turns within 2 s, strokes within 1 s', async () => {
	test.skip(process.env.CB_E2E_RURAL_SURFACE === '0', 'CB_E2E_RURAL_SURFACE=0');
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

/** The slowest page turn or stroke may have lost its segment on a lossy link: it gets one retransmission on top. */
const RETRANSMIT_MS: Record<RoomName, number> = { good: retransmissionMs(PROFILES.good), rural: retransmissionMs(PROFILES.rural), poor: retransmissionMs(PROFILES.poor) };
/**
 * Strokes timed. A stroke that loses a segment on the poor link (10 %; it takes one or two there)
 * waits for TCP to send it again, about 1.2 s in all. Fifteen make the median the typical stroke's,
 * not the luck of a few: one CI run of nine had six wait. With 10-19 % of strokes waiting, a median
 * over 1 s comes in 0.1-1.6 % of runs of nine, 0.003-0.3 % of runs of fifteen.
 */
const STROKES = 15;
/** Page turns timed; the same holds for them (a turn is one socket.io message). */
const TURNS = 5;

/**
 * On the impaired links: a deck crosses (its progress shows on the poor room meanwhile), then page
 * turns show on every room within 2 s and board strokes within 1 s (the median of each). On a lossy
 * link a turn or stroke that loses its segment waits for TCP to send it again; the slowest is allowed
 * that retransmission on top.
 */
async function slidesAndBoard(lesson: Lesson): Promise<void> {
	const deckId = await uploadDeck(lesson.teacher, await ruralDeck(TURNS + 1, 160));
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
	for (let page = 2; page <= TURNS + 1; page++) turns.push(await timePageTurn(lesson, page));
	const strokes: Latencies[] = [];
	// What crossed the poor room's downlink during each stroke: a stroke waits for any of them lost before it on its connection.
	const poorDown = lesson.rooms.poor.tcp.down.byKind;
	const strokeTraffic: string[] = [];
	for (let i = 0; i < STROKES; i++) {
		debugSay('test', `stroke ${i}`);
		const before = structuredClone(poorDown);
		strokes.push(await timeStroke(lesson, i));
		strokeTraffic.push(Object.entries(poorDown).flatMap(([kind, n]) => (n.chunks > (before[kind]?.chunks ?? 0) ? [`${kind} ${n.chunks - (before[kind]?.chunks ?? 0)}/${n.stalls - (before[kind]?.stalls ?? 0)}`] : [])).join(' + '));
	}
	console.log(`rural rooms: the poor downlink during each stroke (chunks/lost by connection) ${strokeTraffic.join(', ')}`);
	const per = (all: Latencies[], room: RoomName) => all.map((l) => l[room]);
	console.log(`rural rooms: page turns (ms) ${JSON.stringify(Object.fromEntries(ROOMS.map((r) => [r, per(turns, r)])))}; strokes (ms) ${JSON.stringify(Object.fromEntries(ROOMS.map((r) => [r, per(strokes, r)])))}`);
	for (const room of ROOMS) {
		const turnMs = per(turns, room).sort((a, b) => a - b);
		expect(turnMs[0], `${room}: page turns arrive`).toBeGreaterThanOrEqual(0);
		expect(turnMs[Math.floor(turnMs.length / 2)], `${room}: a page turn shows within 2 s`).toBeLessThanOrEqual(2_000);
		expect(turnMs.at(-1), `${room}: every page turn within 2 s (plus one retransmission, ${RETRANSMIT_MS[room]} ms)`).toBeLessThanOrEqual(2_000 + RETRANSMIT_MS[room]);
		const ms = per(strokes, room).sort((a, b) => a - b);
		expect(ms[0], `${room}: strokes arrive`).toBeGreaterThanOrEqual(0);
		expect(ms[Math.floor(ms.length / 2)], `${room}: a stroke reaches the room within 1 s`).toBeLessThanOrEqual(1_000);
		expect(ms.at(-1), `${room}: every stroke within 1 s (plus one retransmission, ${RETRANSMIT_MS[room]} ms)`).toBeLessThanOrEqual(1_000 + RETRANSMIT_MS[room]);
	}
}

test('three rooms on good, rural and poor links: the good room is untouched, the poor one falls back to audio + slides and comes back', async () => {
	test.setTimeout(540_000);
	// The good and rural rooms join on their links; the poor one is moved onto its link below (its fall-back is timed from then).
	const lesson = await startLesson('三条弱网 · Three links', { links: { good: PROFILES.good, rural: PROFILES.rural } });
	try {
		for (const page of [lesson.teacher, ...ROOMS.map((r) => lesson.rooms[r].page)]) {
			await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'connected', { timeout: 60_000 });
		}
		for (const room of ROOMS) {
			await expect.poll(() => cameraWidth(lesson, room), { timeout: 90_000, intervals: [1000], message: `${room}: teacher camera arrives` }).toBeGreaterThan(0);
		}
		await expect.poll(() => cameraWidth(lesson, 'good'), { timeout: 90_000, intervals: [1000], message: 'good room on the top layer' }).toBe(1280);
		// The teacher's full frame rate as a clean link receives it: a room below FULL_RATE of it has been
		// stepped down in time (mediasoup's temporal layers) even at 1280.
		// The best of three reads: a busy machine decodes a frame or two late now and then.
		let fullFps = 0;
		for (let i = 0; i < 3; i++) fullFps = Math.max(fullFps, (await teacherCameraRate(lesson.rooms.good.page)).fps);
		console.log(`rural rooms: the good room decodes the teacher at ${fullFps} fps`);
		expect(fullFps, 'the teacher camera plays on the good room').toBeGreaterThan(0);
		const full = (rate: { width: number; fps: number }) => rate.width >= 1280 && rate.fps >= FULL_RATE * fullFps;
		const ruralSteppedDown = async (message: string) => {
			let stepped = { width: 0, fps: 0 };
			await expect
				.poll(async () => {
					stepped = await teacherCameraRate(lesson.rooms.rural.page);
					return stepped.width > 0 && !full(stepped);
				}, { timeout: 90_000, intervals: [1000], message })
				.toBe(true);
			return stepped;
		};
		lesson.startSampling();
		const ruralFrom = Date.now();
		// On its link from the join, the rural room gets a layer its link carries, not the top one.
		const joined = await ruralSteppedDown('rural room on its link: stepped down (in size or frame rate), with video');
		console.log(`rural rooms: rural room on its link from the join: the teacher at ${joined.width} px, ${joined.fps} fps`);

		lesson.setLink('poor', PROFILES.poor);
		const impairedAt = Date.now();
		await expect.poll(() => weakShown(lesson, 'poor'), { timeout: 60_000, intervals: [1000], message: 'poor room falls back to audio + slides' }).toBe(true);
		const fellBackS = (Date.now() - impairedAt) / 1000;
		console.log(`rural rooms: poor room fell back ${fellBackS.toFixed(1)} s after its link went poor`);
		expect(fellBackS, 'poor room on audio + slides within 10 s').toBeLessThanOrEqual(10);
		await expect.poll(() => lesson.teacherSeesWeak('poor'), { timeout: 15_000, message: "the teacher's tile shows the poor room's mode" }).toBe(true);
		await expect.poll(() => cameraWidth(lesson, 'poor'), { timeout: 15_000, message: 'poor room: no teacher video' }).toBe(0);
		const poorMicFrom = await settledTeacherMicStat(lesson.rooms.poor.page);
		for (const room of ROOMS) await audioKeepsFlowing(lesson, room);
		await lesson.shots('impaired');
		const poorMicTo = await settledTeacherMicStat(lesson.rooms.poor.page);
		expect(poorMicTo?.consumerId, 'poor room: one teacher-audio stream over the measured stretch').toBe(poorMicFrom?.consumerId);
		const poorConcealment = concealmentPct(micAudio(poorMicFrom), micAudio(poorMicTo));
		console.log(
			`rural rooms: poor room's audio concealment on its link ${poorConcealment} % (${(((poorMicTo?.totalSamplesReceived ?? 0) - (poorMicFrom?.totalSamplesReceived ?? 0)) / 48_000).toFixed(1)} s of audio; ` +
				`jitter buffer and NACKs ${JSON.stringify(audioBuffering(poorMicFrom, poorMicTo))})`
		);
		expect(poorConcealment, 'poor room: the teacher audio is measured on its link').not.toBeNull();
		expect(poorConcealment!, 'poor room: audio concealment under 10 %').toBeLessThan(10);
		expect(poorConcealment!).toBeGreaterThanOrEqual(0);

		// The rural room's whole stay on its link so far (from its video's arrival): a stall of this
		// machine is heard in every room alike, so it is allowed on top of the good room's own longest
		// gap in the same stretch (a clean link).
		const onLink = await takeAudioGaps(lesson);
		console.log(`rural rooms: longest audio gaps over the rural room's ${((Date.now() - ruralFrom) / 1000).toFixed(0)} s on its link (heard: concealed; packets: without a packet) ${JSON.stringify(onLink)}`);
		expect(onLink.rural.heard, 'rural room: no heard audio gap over 300 ms on its link').toBeLessThanOrEqual(gapAllowed(onLink));

		// A 30 s outage of a whole link (media, signalling, board) is e2e/rural-outage.e2e.ts.

		// The links clear.
		lesson.setLink('rural', PROFILES.good);
		lesson.setLink('poor', PROFILES.good);
		const clearAt = Date.now();
		await expect.poll(() => weakShown(lesson, 'poor'), { timeout: 90_000, intervals: [1000], message: 'poor room leaves audio + slides' }).toBe(false);
		await expect.poll(() => cameraWidth(lesson, 'poor'), { timeout: 60_000, intervals: [1000], message: 'poor room gets video back' }).toBeGreaterThan(0);
		console.log(`rural rooms: poor room back on video ${((Date.now() - clearAt) / 1000).toFixed(1)} s after its link cleared`);
		await expect.poll(() => lesson.teacherSeesWeak('poor'), { timeout: 15_000 }).toBe(false);
		await expect.poll(async () => full(await teacherCameraRate(lesson.rooms.rural.page)), { timeout: 120_000, intervals: [1000], message: 'rural room back up on the top layer at full rate' }).toBe(true);
		console.log(`rural rooms: rural room back on 1280 (teacher sending ${(await cameraLayersSending(lesson.teacher)).join(', ')}) ${((Date.now() - clearAt) / 1000).toFixed(1)} s after its link cleared`);
		await lesson.shots('recovered');

		// The rural link falls from 20 Mbit/s to 1 Mbit/s (and from 20 to 300 ms RTT) at once: the room steps down again.
		await takeAudioGaps(lesson);
		lesson.setLink('rural', PROFILES.rural);
		const fellAt = Date.now();
		const fell = await ruralSteppedDown('rural room steps down (in size or frame rate) when its link falls, and keeps video');
		const sinceFall = (at: number) => Math.round((at - fellAt) / 100) / 10;
		const steppedAt = sinceFall(Date.now());
		// Until the SFU's estimate follows, what it sends fills the link's queue, which drops what does
		// not fit, audio too (105-358 ms heard in the runs of 2026-12-05, ending 1-3 s after the
		// fall): printed, not held. A room that joins on its link never sees it (held above).
		await expect.poll(() => queueQuiet(lesson.rooms.rural.link, 2_000), { timeout: 30_000, intervals: [0], message: "rural room: its link's queue stops overflowing after the fall" }).toBe(true);
		const fallGaps = await takeAudioGaps(lesson);
		console.log(
			`rural rooms: rural room stepped down ${steppedAt} s after its link fell (to ${fell.width} at ${fell.fps} fps), its queue quiet again from ${(sinceFall(Date.now()) - 2).toFixed(1)} s; ` +
				`longest audio gap until then ${JSON.stringify({ ...fallGaps.rural, heardAt: fallGaps.rural.heardAt && sinceFall(fallGaps.rural.heardAt) })} (s after the fall), the good room's ${fallGaps.good.heard} ms`
		);
		const fromFall = lesson.rooms.rural.samples.filter((s) => s.at >= fellAt - 1_000);
		console.log(`rural rooms: rural room from the fall (s: width:layer +packets its queue dropped) ${fromFall.map((s, i) => `${sinceFall(s.at)}: ${s.width}:${s.layer} +${s.overflow - (fromFall[i - 1]?.overflow ?? s.overflow)}`).join(', ')}`);
		await audioKeepsFlowing(lesson, 'rural');
		await lesson.stopSampling();

		// The good room was never touched by the others: never on audio + slides.
		const good = lesson.rooms.good.samples;
		expect(good.length).toBeGreaterThan(30);
		expect(good.filter((s) => s.weak), 'good room never fell back').toEqual([]);
		// Tolerates a sample or two read between a frame's packets and its decode on a busy machine.
		expect(good.filter((s) => s.width === 0).length, 'good room always had video').toBeLessThanOrEqual(3);
		const top = good.filter((s) => s.width >= 1280).length / good.length;
		const gaps = await takeAudioGaps(lesson);
		console.log(`rural rooms: good room on the top layer ${(top * 100).toFixed(0)} % of ${good.length} s; longest audio gaps (heard: concealed; packets: without a packet) ${JSON.stringify(gaps)}`);
		// Whether the good room's misses are the SFU's choice (its layer below 2) or the decoder's (layer 2, a narrower frame still decoding).
		const goodByLayer = good.reduce<Record<string, number>>((acc, s) => ({ ...acc, [`${s.width}:${s.layer}`]: (acc[`${s.width}:${s.layer}`] ?? 0) + 1 }), {});
		const secondOf = (s: { at: number }) => Math.round((s.at - (good[0]?.at ?? 0)) / 1000);
		const missesAt = good.filter((s) => s.width < 1280).map(secondOf);
		console.log(`rural rooms: the good room's samples (decoded width:layer the SFU sends → samples) ${JSON.stringify(goodByLayer)}; below 1280 at s ${JSON.stringify(missesAt)}`);
		// Whether the good room's misses are the teacher's: its top encoding's width and Chromium's reason for limiting it, per sample.
		const teacherTop = lesson.teacherTop.reduce<Record<string, number>>((acc, s) => ({ ...acc, [`${s.width}:${s.limitation}`]: (acc[`${s.width}:${s.limitation}`] ?? 0) + 1 }), {});
		console.log(`rural rooms: the teacher's top camera encoding (width:limitation → samples) ${JSON.stringify(teacherTop)}`);
		// Throughout: the SFU chose the top layer for the good room in every sample, whatever the other
		// rooms' links did; what it decoded may lag a layer switch by a sample or two on a busy machine.
		expect(good.filter((s) => s.layer !== null && s.layer < 2).map(secondOf), 'good room: the SFU sends it the top layer throughout (seconds it did not)').toEqual([]);
		expect(missesAt.length, 'good room: decodes the top layer throughout').toBeLessThanOrEqual(3);
		const micLoss = lesson.teacherTop.flatMap((s) => (s.micLoss === null ? [] : [s.micLoss]));
		console.log(`rural rooms: loss the SFU reported on the teacher's microphone: max ${Math.max(0, ...micLoss)}, nonzero in ${micLoss.filter((l) => l > 0).length} of ${micLoss.length} samples`);
		// What the poor room's audio relies on: for an Opus producer with in-band FEC mediasoup reports
		// the worst loss among its consumers to the sender, whose encoder then adds FEC for it.
		expect(Math.max(0, ...micLoss), "the teacher's encoder is told of the rooms' loss").toBeGreaterThanOrEqual(0.05);
		// Once the SFU's estimate has followed the fall: back to what a room on its link hears.
		expect(gaps.rural.heard, 'rural room: no heard audio gap over 300 ms once its link settles after the fall').toBeLessThanOrEqual(gapAllowed(gaps));
	} finally {
		// What each relay dropped (its loss and its full rate queue) beside what it carried.
		console.log(`rural rooms: relays ${JSON.stringify(Object.fromEntries(ROOMS.map((r) => [r, { down: lesson.rooms[r].link.down.counters, up: lesson.rooms[r].link.up.counters }])))}`);
		await lesson.close();
	}
});
