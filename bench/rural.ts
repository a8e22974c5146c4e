/**
 * Rural links benchmark (`npm run bench:rural`).
 *
 * The scenario of e2e/rural-rooms.e2e.ts, measured: a teacher on a clean link and three classrooms
 * on good (20/5 Mbit/s), rural (1 Mbit/s / 256 kbit/s, 5 % loss, 300 ms RTT, 20 ms jitter) and poor
 * (300/128 kbit/s, 10 % loss, 600 ms RTT, 50 ms jitter) links at once, each through its own
 * userspace relay (e2e/ruralLink.ts; the good and rural rooms join on their links, the poor one is
 * cut from a clean link), then a 30 s outage of the rural room, then the links clear, then the rural
 * link falls from 20 Mbit/s to its profile at once.
 * Per profile: teacher-audio concealment, longest audio gap (the longest run of concealed audio, and
 * the longest stretch without a packet as a 50 ms poll in the page saw it), share of time on each teacher-camera layer, bytes per minute down and up through the relay; and the
 * times the modes took. The room pages' HTTP, socket.io and board WebSocket cross a TCP relay with
 * the same profile (e2e/ruralTcpLink.ts): a deck is uploaded once the links are impaired (its
 * progress on the poor room, the time until each room has it), then, during the held stretch, the
 * teacher turns pages and draws shapes; per room, the time until the page is rendered there and
 * until its board has the shape (p50/p95). Writes bench/results/rural.json and the table in BENCHMARKS.md.
 *
 * Overrides (env): RURAL_HOLD_S=60 (the steady impaired stretch)  RURAL_TURNS=12  RURAL_STROKES=12
 * RURAL_UPDATE_DOC=0 (leave BENCHMARKS.md alone)  RURAL_OUT=path.json
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import globalSetup from '../e2e/global-setup.ts';
import { concealmentPct, layerShares, micAudio, micPacketsSince, PROFILES, queueQuiet, ROOMS, startLesson, takeAudioGap, takeAudioGaps, teacherCameraRate, teacherCameraWidth, teacherMicPackets, settledTeacherMicStat, type Lesson, type RoomName } from '../e2e/rural-scenario.ts';
import { deckCached, ruralDeck, timePageTurn, timeStroke, uploadDeck, type Latencies } from '../e2e/rural-surface.ts';
import { slides } from '../e2e/surface-support.ts';
import { percentile, round } from './lib/summary.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const HOLD_S = Number(process.env.RURAL_HOLD_S ?? 60);
const OUT = process.env.RURAL_OUT ?? resolve(HERE, 'results/rural.json');
const TURNS = Number(process.env.RURAL_TURNS ?? 12);
const STROKES = Number(process.env.RURAL_STROKES ?? 12);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(probe: () => Promise<T | undefined | false>, timeoutMs: number, what: string, everyMs = 250): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined && value !== false) return value;
		if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
		await sleep(everyMs);
	}
}

const mic = (lesson: Lesson, room: RoomName) => settledTeacherMicStat(lesson.rooms[room].page);
const width = (lesson: Lesson, room: RoomName) => teacherCameraWidth(lesson.rooms[room].page);
const weak = (lesson: Lesson, room: RoomName) => lesson.rooms[room].page.getByTestId('weak-link-notice').isVisible();
const seconds = (fromMs: number) => round((Date.now() - fromMs) / 1000, 1);

/** The rural room below the good room's camera: a smaller layer, or under 70 % of its frame rate (mediasoup's temporal step). */
async function steppedDown(lesson: Lesson): Promise<boolean> {
	const [rural, good] = await Promise.all([teacherCameraRate(lesson.rooms.rural.page, 1_000), teacherCameraRate(lesson.rooms.good.page, 1_000)]);
	return rural.width > 0 && (rural.width < good.width || rural.fps < 0.7 * good.fps);
}

interface ProfileFigures {
	concealmentPct: number | null;
	/** The longest run of concealed teacher audio (heard as a gap) in the held stretch. */
	maxAudioGapMs: number;
	/**
	 * The same from the join (the poor room: from its cut) until the held stretch: the deck crossing
	 * and its first showing, whose stalls of this 2-core machine every room hears alike (the good
	 * room's figure says how much of it they are).
	 */
	beforeHoldAudioGapMs: number;
	/**
	 * The same from the moment the link fell from 20 Mbit/s to this profile until its queue stopped
	 * overflowing for 2 s (the poor room: until the held stretch): the fall overfills the link's queue (audio waits in
	 * it too) before the SFU's estimate follows. The good room, never cut: its own in the rural room's
	 * fall (this machine's share).
	 */
	cutAudioGapMs: number;
	/** The longest stretch without a teacher audio packet, as the page's 50 ms poll saw it (a busy page reads long). */
	maxPacketGapMs: number;
	layerShare: ReturnType<typeof layerShares>;
	downKBytesPerMin: number;
	upKBytesPerMin: number;
	/** HTTP, socket.io and board WebSocket through the TCP relay over the same stretch. */
	tcpDownKBytesPerMin: number;
	tcpUpKBytesPerMin: number;
	deckCachedSeconds: number;
	pageTurn: Latency;
	stroke: Latency;
}

interface Latency {
	samples: number;
	/** Never arrived within 20 s. */
	lost: number;
	p50Ms: number;
	p95Ms: number;
	maxMs: number;
}

function latency(values: number[]): Latency {
	const arrived = values.filter((v) => v >= 0).sort((a, b) => a - b);
	return { samples: values.length, lost: values.length - arrived.length, p50Ms: percentile(arrived, 50), p95Ms: percentile(arrived, 95), maxMs: arrived.at(-1) ?? NaN };
}

/** A deck crosses the impaired links: whether the poor room shows its progress, and when each room has it. */
async function deckAcross(lesson: Lesson): Promise<{ deckId: string; poorProgressShown: boolean; cachedSeconds: Record<RoomName, number> }> {
	const deckId = await uploadDeck(lesson.teacher, await ruralDeck(Math.max(TURNS, 1) + 1, 160));
	const from = Date.now();
	const poorProgressShown = await lesson.rooms.poor.page
		.getByTestId('deck-progress')
		.waitFor({ timeout: 10_000 })
		.then(() => true, () => false);
	const cachedSeconds = {} as Record<RoomName, number>;
	await Promise.all(
		ROOMS.map(async (room) => {
			await until(() => deckCached(lesson.rooms[room].page, deckId), 120_000, `${room}: deck cached`, 200);
			cachedSeconds[room] = seconds(from);
		})
	);
	// As the e2e: the slide and board code fetched ahead is on every device first (a device's first
	// lesson on the poor link needs minutes for its ~2.3 MB; later lessons have it).
	const codeFrom = Date.now();
	for (const room of ROOMS) {
		await until(async () => (await lesson.rooms[room].page.getByTestId('code-prefetch').getAttribute('data-state')) === 'ready', 240_000, `${room}: code on the device`, 500);
	}
	console.log(`rural bench: the slide and board code on every room ${seconds(codeFrom)} s after the deck`);
	await lesson.teacher.getByTestId(`deck-show-${deckId}`).click();
	for (const room of ROOMS) await until(async () => (await slides.renderedPage(lesson.rooms[room].page)) === 1, 30_000, `${room}: page 1`);
	return { deckId, poorProgressShown, cachedSeconds };
}

/** Page turns and strokes, alternating, spread over the held stretch. */
async function turnsAndStrokes(lesson: Lesson, untilMs: number): Promise<{ turns: Latencies[]; strokes: Latencies[] }> {
	const turns: Latencies[] = [];
	const strokes: Latencies[] = [];
	const steps = TURNS + STROKES;
	for (let i = 0; i < steps; i++) {
		const started = Date.now();
		if ((i % 2 === 0 && turns.length < TURNS) || strokes.length >= STROKES) turns.push(await timePageTurn(lesson, turns.length + 2));
		else strokes.push(await timeStroke(lesson, strokes.length));
		const spacing = Math.max(0, (untilMs - Date.now()) / Math.max(1, steps - i - 1));
		await sleep(Math.max(0, Math.min(spacing, 5_000) - (Date.now() - started)));
	}
	return { turns, strokes };
}

async function main(): Promise<void> {
	const teardown = await globalSetup();
	// The good and rural rooms join on their links; the poor one is cut from a clean link (its fall-back is timed).
	const lesson = await startLesson('Rural bench · 弱网基准', { signallingOnLink: true, links: { good: PROFILES.good, rural: PROFILES.rural } });
	try {
		for (const page of [lesson.teacher, ...ROOMS.map((r) => lesson.rooms[r].page)]) {
			await until(async () => (await page.getByTestId('connection-state').getAttribute('data-state')) === 'connected', 60_000, 'connected', 500);
		}
		for (const room of ROOMS) await until(async () => (await width(lesson, room)) > 0, 90_000, `${room} video`, 1000);
		await until(async () => (await width(lesson, 'good')) === 1280, 90_000, 'good room top layer', 1000);
		for (const room of ROOMS) {
			const packets = lesson.rooms[room].link.down.counters.packets;
			if (packets < 20) throw new Error(`${room}: only ${packets} packets crossed its relay; the media does not take the relay`);
		}
		lesson.startSampling();

		await takeAudioGaps(lesson);
		lesson.setLink('poor', PROFILES.poor);
		const impairedAt = Date.now();
		await until(() => weak(lesson, 'poor'), 60_000, 'poor falls back');
		const poorFallbackSeconds = seconds(impairedAt);
		console.log(`poor room on audio + slides after ${poorFallbackSeconds} s`);

		const deck = await deckAcross(lesson);
		console.log(`deck on every room: ${JSON.stringify(deck.cachedSeconds)} s; poor room showed progress: ${deck.poorProgressShown}`);

		// The steady impaired stretch, the teacher turning pages and drawing through it.
		await sleep(5_000);
		const holdFrom = Date.now();
		const bytesAt = Object.fromEntries(
			ROOMS.map((r) => {
				const { link, tcp } = lesson.rooms[r];
				return [r, { down: link.down.counters.bytes, up: link.up.counters.bytes, tcpDown: tcp.down.counters.bytes, tcpUp: tcp.up.counters.bytes }];
			})
		);
		const beforeHold = await takeAudioGaps(lesson);
		const micFrom = Object.fromEntries(await Promise.all(ROOMS.map(async (r) => [r, await mic(lesson, r)] as const)));
		const { turns, strokes } = await turnsAndStrokes(lesson, holdFrom + HOLD_S * 1000);
		await sleep(Math.max(0, holdFrom + HOLD_S * 1000 - Date.now()));
		const micTo = Object.fromEntries(await Promise.all(ROOMS.map(async (r) => [r, await mic(lesson, r)] as const)));
		const minutes = (Date.now() - holdFrom) / 60_000;
		const profiles = {} as Record<RoomName, ProfileFigures>;
		for (const room of ROOMS) {
			const { link, tcp } = lesson.rooms[room];
			const gaps = await takeAudioGap(lesson.rooms[room].page);
			profiles[room] = {
				concealmentPct: concealmentPct(micAudio(micFrom[room]), micAudio(micTo[room])),
				maxAudioGapMs: gaps.heard,
				beforeHoldAudioGapMs: beforeHold[room].heard,
				cutAudioGapMs: room === 'poor' ? beforeHold.poor.heard : 0,
				maxPacketGapMs: gaps.packets,
				layerShare: layerShares(lesson.rooms[room].samples.filter((s) => s.at >= holdFrom)),
				downKBytesPerMin: round((link.down.counters.bytes - (bytesAt[room]?.down ?? 0)) / 1024 / minutes, 0),
				upKBytesPerMin: round((link.up.counters.bytes - (bytesAt[room]?.up ?? 0)) / 1024 / minutes, 0),
				tcpDownKBytesPerMin: round((tcp.down.counters.bytes - (bytesAt[room]?.tcpDown ?? 0)) / 1024 / minutes, 0),
				tcpUpKBytesPerMin: round((tcp.up.counters.bytes - (bytesAt[room]?.tcpUp ?? 0)) / 1024 / minutes, 0),
				deckCachedSeconds: deck.cachedSeconds[room],
				pageTurn: latency(turns.map((l) => l[room])),
				stroke: latency(strokes.map((l) => l[room]))
			};
		}
		await lesson.shots('bench');

		// The outage: 30 s of nothing for the rural room, then its rural link again.
		lesson.setLink('rural', PROFILES.outage);
		await sleep(30_000);
		const packetsAtReturn = await teacherMicPackets(lesson.rooms.rural.page);
		lesson.setLink('rural', PROFILES.rural);
		const backAt = Date.now();
		await until(async () => micPacketsSince(packetsAtReturn, await teacherMicPackets(lesson.rooms.rural.page)) > 25, 60_000, 'audio after the outage', 250);
		const outageRecoverySeconds = seconds(backAt);
		await until(async () => (await width(lesson, 'rural')) > 0, 90_000, 'video after the outage', 500);
		const outageVideoSeconds = seconds(backAt);

		lesson.setLink('rural', PROFILES.good);
		lesson.setLink('poor', PROFILES.good);
		const clearAt = Date.now();
		await until(async () => !(await weak(lesson, 'poor')) && (await width(lesson, 'poor')) > 0, 120_000, 'poor back on video', 500);
		const poorRecoverSeconds = seconds(clearAt);
		await until(async () => (await width(lesson, 'rural')) === 1280, 150_000, 'rural back on the top layer', 1000);
		const ruralTopLayerBackSeconds = seconds(clearAt);

		// The rural link falls from 20 Mbit/s to its profile at once: the gap heard until its queue stops overflowing.
		await takeAudioGaps(lesson);
		lesson.setLink('rural', PROFILES.rural);
		const fellAt = Date.now();
		await until(() => steppedDown(lesson), 90_000, 'rural steps down after its link fell', 0);
		const ruralStepDownSeconds = seconds(fellAt);
		await until(() => queueQuiet(lesson.rooms.rural.link, 2_000), 30_000, "rural link's queue quiet after the fall", 0);
		const fall = await takeAudioGaps(lesson);
		profiles.rural.cutAudioGapMs = fall.rural.heard;
		profiles.good.cutAudioGapMs = fall.good.heard;
		console.log(`rural bench: rural stepped down ${ruralStepDownSeconds} s after its link fell, its queue quiet from ${(seconds(fellAt) - 2).toFixed(1)} s; gaps ${JSON.stringify(fall)}`);
		await lesson.stopSampling();

		const good = lesson.rooms.good.samples;
		const result = {
			date: new Date().toISOString(),
			machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', loadavg1: round(loadavg()[0] ?? 0, 2) },
			holdSeconds: HOLD_S,
			goodRoomTopLayerShare: round(good.filter((s) => s.width >= 1280).length / Math.max(1, good.length), 3),
			goodRoomFellBack: good.some((s) => s.weak),
			ruralMaxAudioGapMs: profiles.rural.maxAudioGapMs,
			ruralCutAudioGapMs: profiles.rural.cutAudioGapMs,
			ruralMaxPacketGapMs: profiles.rural.maxPacketGapMs,
			ruralConcealmentPct: profiles.rural.concealmentPct,
			poorConcealmentPct: profiles.poor.concealmentPct,
			poorFallbackSeconds,
			poorRecoverSeconds,
			ruralTopLayerBackSeconds,
			ruralStepDownSeconds,
			outageRecoverySeconds,
			outageVideoSeconds,
			poorPageTurnP95Ms: profiles.poor.pageTurn.p95Ms,
			poorStrokeP95Ms: profiles.poor.stroke.p95Ms,
			poorDeckProgressShown: deck.poorProgressShown,
			profiles
		};
		mkdirSync(dirname(OUT), { recursive: true });
		writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
		console.log(JSON.stringify(result, null, 2));
		if (process.env.RURAL_UPDATE_DOC !== '0') updateDoc(result);
	} finally {
		await lesson.close();
		await teardown();
	}
}

function updateDoc(r: {
	date: string;
	machine: { cores: number; cpu: string };
	holdSeconds: number;
	goodRoomTopLayerShare: number;
	poorFallbackSeconds: number;
	poorRecoverSeconds: number;
	ruralTopLayerBackSeconds: number;
	ruralStepDownSeconds: number;
	outageRecoverySeconds: number;
	outageVideoSeconds: number;
	poorDeckProgressShown: boolean;
	profiles: Record<RoomName, ProfileFigures>;
}): void {
	const file = resolve(HERE, '../BENCHMARKS.md');
	const doc = readFileSync(file, 'utf8');
	const pct = (n: number) => `${round(n * 100, 0)} %`;
	const rows = ROOMS.map((room) => {
		const p = r.profiles[room];
		const l = p.layerShare;
		return `| ${room} | ${p.concealmentPct ?? '–'} % | ${p.maxAudioGapMs} ms (packets ${p.maxPacketGapMs} ms) | ${p.beforeHoldAudioGapMs} ms | ${p.cutAudioGapMs} ms | ${pct(l.top)} / ${pct(l.mid)} / ${pct(l.low)} / ${pct(l.none)} | ${p.downKBytesPerMin} | ${p.upKBytesPerMin} | ${p.tcpDownKBytesPerMin} / ${p.tcpUpKBytesPerMin} |`;
	});
	const ms = (x: Latency) => `${x.p50Ms} / ${x.p95Ms} ms${x.lost > 0 ? ` (${x.lost} of ${x.samples} never arrived)` : ''}`;
	const surfaceRows = ROOMS.map((room) => {
		const p = r.profiles[room];
		return `| ${room} | ${p.deckCachedSeconds} s | ${ms(p.pageTurn)} | ${ms(p.stroke)} | ${p.pageTurn.samples} / ${p.stroke.samples} |`;
	});
	const table = [
		`Run ${r.date.slice(0, 10)} on ${r.machine.cores} cores (${r.machine.cpu}), shared with other work; ${r.holdSeconds} s of all three links impaired at once. ` +
			'The good and rural rooms join on their links; the poor room is cut from a clean link (its gap from the join column is from that cut; the deck crosses and shows in that stretch, with stalls of this machine every room hears). ' +
			"At the end the rural link falls from 20 Mbit/s to its profile at once; the good room's figure in that column is its own gap in the same seconds (this machine's share).",
		'',
		'| room | teacher audio concealed | longest audio gap held: concealed (without packets) | longest gap heard from the join until the held stretch | longest gap heard when the link fell from 20 Mbit/s (until its queue is quiet) | teacher camera top / mid / low / none | KiB/min down | KiB/min up | KiB/min down / up, TCP (signalling, board) |',
		'| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
		...rows,
		'',
		`Slides and board on the same links (a ${TURNS + 1}-page deck padded to about 160 KiB; the poor room ${r.poorDeckProgressShown ? 'showed' : '**did not show**'} the deck's progress while it crossed):`,
		'',
		'| room | deck on the device after | page turn p50 / p95 | stroke p50 / p95 | turns / strokes |',
		'| --- | --- | --- | --- | --- |',
		...surfaceRows,
		'',
		`Good room on the top layer for **${pct(r.goodRoomTopLayerShare)}** of the whole run. Poor room on audio + slides after **${r.poorFallbackSeconds} s**, back on video ${r.poorRecoverSeconds} s after its link cleared; rural room back on the top layer after ${r.ruralTopLayerBackSeconds} s, and stepped down ${r.ruralStepDownSeconds} s after its link fell again. ` +
			`After a 30 s outage the rural room hears the teacher again after **${r.outageRecoverySeconds} s** and sees video after ${r.outageVideoSeconds} s.`
	].join('\n');
	const begin = '<!-- rural:results:begin -->';
	const end = '<!-- rural:results:end -->';
	const block = `${begin}\n${table}\n${end}`;
	const next = doc.includes(begin) ? doc.replace(new RegExp(`${begin}[\\s\\S]*?${end}`), block) : `${doc.trimEnd()}\n\n## Rural links (\`npm run bench:rural\`)\n\n${block}\n`;
	writeFileSync(file, next);
}

main().catch((error: Error) => {
	console.error(error);
	process.exit(1);
});
