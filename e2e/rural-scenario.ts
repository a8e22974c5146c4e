import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Browser, Page } from '@playwright/test';
import type { LessonLinks, LessonRecord } from '../protocol/index.ts';
import { adminApi } from './api.ts';
import { routeThroughRelay } from './lossyRelay.ts';
import { PROFILES, RuralLink, type LinkProfile } from './ruralLink.ts';
import { RuralTcpLink } from './ruralTcpLink.ts';
import { cameraEncodings, inboundStats, outboundEncodings, launchChromium, serverInfo, shot, teacherCamera, teacherMic, type InboundStat } from './support.ts';

export { micPacketsSince, teacherMicPackets } from './support.ts';

const MEDIA = path.resolve('e2e/.media');
/**
 * Run by tsx (the benchmark), functions sent into the page carry esbuild's `__name(...)` calls;
 * Playwright's own test runner does not add them. The page gets a no-op so both work.
 */
const NAME_SHIM = 'globalThis.__name ??= (fn) => fn;';
const SAMPLE_MS = 1_000;

export type RoomName = 'good' | 'rural' | 'poor';
export const ROOMS: readonly RoomName[] = ['good', 'rural', 'poor'];


/** One second of one room: the teacher camera's decoded width (0: none), the mode shown, the audio counters. */
export interface Sample {
	at: number;
	width: number;
	/** The simulcast layer the SFU last said it sends the teacher camera on (null: not told). */
	layer: number | null;
	weak: boolean;
	/** Packets the room's downlink has dropped so far because its rate queue was full. */
	overflow: number;
	packets: number;
	concealed: number;
	total: number;
}

export interface Room {
	name: RoomName;
	classroomId: string;
	page: Page;
	/** The media (UDP to the SFU). */
	link: RuralLink;
	/** The page's HTTP, socket.io and board WebSocket when `signallingOnLink`: the page's origin is then this relay. */
	tcp: RuralTcpLink;
	samples: Sample[];
}

/**
 * The in-page audio watch, every 50 ms: the longest stretch without a new teacher audio packet, and
 * the longest run of concealed audio (samples the decoder made up: what a listener hears as a gap).
 * The first depends on the page's main thread answering on time; the second does not, since the
 * browser counts concealed samples as it plays: a stalled poll reads one longer step of the counters.
 * A step with a new concealment event ends the run before it; its samples are added to that run too,
 * so a run is never under-counted.
 */
type AudioWatchState = { maxGapMs: number; lastAt: number; lastPackets: number; maxRunMs: number; maxRunAt: number; runMs: number; concealed: number; events: number; stop: boolean };

async function startAudioWatch(page: Page): Promise<void> {
	await page.evaluate(() => {
		type Mic = { kind: string; classroomId: string | null; packetsReceived: number; concealedSamples: number; concealmentEvents?: number };
		type Hook = { inboundStats(): Promise<Mic[]> };
		const w = window as unknown as { __classbridge?: Hook; __ruralAudio?: AudioWatchState };
		const state: AudioWatchState = { maxGapMs: 0, lastAt: performance.now(), lastPackets: -1, maxRunMs: 0, maxRunAt: 0, runMs: 0, concealed: -1, events: 0, stop: false };
		w.__ruralAudio = state;
		const tick = async () => {
			if (state.stop) return;
			const stats = (await w.__classbridge?.inboundStats()) ?? [];
			const mic = stats.find((s) => s.kind === 'audio' && !s.classroomId);
			const now = performance.now();
			if (mic && mic.packetsReceived !== state.lastPackets) {
				if (state.lastPackets >= 0) state.maxGapMs = Math.max(state.maxGapMs, now - state.lastAt);
				state.lastPackets = mic.packetsReceived;
				state.lastAt = now;
			}
			if (mic) {
				const events = mic.concealmentEvents ?? 0;
				// A new consumer (a rejoin) starts its counters again.
				if (state.concealed < 0 || mic.concealedSamples < state.concealed || events < state.events) {
					state.concealed = mic.concealedSamples;
					state.events = events;
				}
				const stepMs = (mic.concealedSamples - state.concealed) / 48;
				if (stepMs <= 0) state.runMs = 0;
				else if (events === state.events) state.runMs += stepMs;
				else {
					if (state.runMs + stepMs > state.maxRunMs) [state.maxRunMs, state.maxRunAt] = [state.runMs + stepMs, Date.now()];
					state.runMs = stepMs;
				}
				if (state.runMs > state.maxRunMs) [state.maxRunMs, state.maxRunAt] = [state.runMs, Date.now()];
				state.concealed = mic.concealedSamples;
				state.events = events;
			}
			setTimeout(tick, 50);
		};
		void tick();
	});
}

/** The longest gaps in the teacher's audio since the last read, ms (see startAudioWatch). */
export interface AudioGaps {
	/** Without a new packet, as the page's poll saw it. */
	packets: number;
	/** Of concealed audio: heard as a gap. */
	heard: number;
	/** When that heard gap ended (epoch ms, this machine's clock; 0: none). */
	heardAt: number;
}

/** The longest audio gaps since the last call (and restarts the count). */
export async function takeAudioGap(page: Page): Promise<AudioGaps> {
	return page.evaluate(() => {
		const w = window as unknown as { __ruralAudio?: AudioWatchState };
		const state = w.__ruralAudio;
		if (!state) return { packets: 0, heard: 0, heardAt: 0 };
		const packets = Math.max(state.maxGapMs, performance.now() - state.lastAt);
		state.maxGapMs = 0;
		const [heard, heardAt] = [state.maxRunMs, state.maxRunAt];
		[state.maxRunMs, state.maxRunAt] = [state.runMs, Date.now()];
		return { packets: Math.round(packets), heard: Math.round(heard), heardAt };
	});
}

/** Every room's longest audio gaps since the last read (see takeAudioGap). */
export async function takeAudioGaps(lesson: Lesson): Promise<Record<RoomName, AudioGaps>> {
	const gaps = await Promise.all(ROOMS.map(async (r) => [r, await takeAudioGap(lesson.rooms[r].page)] as const));
	return Object.fromEntries(gaps) as Record<RoomName, AudioGaps>;
}

/** CB_E2E_RURAL_DEBUG=1: a room page's console, requests and connection state, timestamped, on stdout. */
const T0 = Date.now();
/** CB_E2E_RURAL_DEBUG=1: a timestamped line on stdout (the same clock as the pages' lines). */
export function debugSay(name: string, what: string): void {
	if (process.env.CB_E2E_RURAL_DEBUG === '1') console.log(`[${name} +${((Date.now() - T0) / 1000).toFixed(1)}s] ${what}`);
}
function watchPage(page: Page, name: string): void {
	const say = (what: string) => debugSay(name, what);
	const started = new Map<object, number>();
	page.on('console', (m) => say(`console.${m.type()}: ${m.text().slice(0, 300)}`));
	page.on('pageerror', (e) => say(`pageerror: ${e.message}`));
	page.on('request', (r) => started.set(r, Date.now()));
	page.on('requestfinished', async (r) => {
		const size = await r.sizes().then((s) => s.responseBodySize).catch(() => -1);
		say(`req ${r.method()} ${r.url().replace(/^https?:\/\/[^/]+/, '').slice(0, 90)} ${size} B in ${Date.now() - (started.get(r) ?? Date.now())} ms`);
	});
	page.on('requestfailed', (r) => say(`req FAILED ${r.url().slice(0, 90)} ${r.failure()?.errorText ?? ''}`));
	page.on('websocket', (ws) => {
		say(`ws open ${ws.url().replace(/\?.*/, '')}`);
		if (ws.url().includes('/socket.io/')) {
			let pingAt = 0;
			ws.on('framereceived', (f) => {
				if (f.payload === '2') {
					if (pingAt && Date.now() - pingAt > 6_500) say(`sio ping ${Date.now() - pingAt} ms after the last`);
					pingAt = Date.now();
				} else if (typeof f.payload === 'string' && /^4[0-4]/.test(f.payload) && !f.payload.startsWith('42')) say(`sio <- ${f.payload.slice(0, 60)}`);
			});
			ws.on('framesent', (f) => {
				if (f.payload === '3' && Date.now() - pingAt > 200) say(`sio pong ${Date.now() - pingAt} ms after the ping arrived`);
				const request = typeof f.payload === 'string' ? /^42(\d+)\["([\w.]+)"/.exec(f.payload) : null;
				if (request) say(`sio -> ${request[1]} ${request[2]}`);
			});
		}
		if (ws.url().includes('/board')) {
			const brief = (p: string | Buffer) => (typeof p === 'string' ? p : p.toString()).replace(/\s+/g, '').slice(0, 70);
			ws.on('framesent', (f) => /push/.test(String(f.payload)) && say(`board -> ${brief(f.payload)}`));
			ws.on('framereceived', (f) => /push|patch/.test(String(f.payload)) && say(`board <- ${brief(f.payload)}`));
		}
		ws.on('close', () => say(`ws close ${ws.url().replace(/\?.*/, '')}`));
	});
	let last = '';
	const poll = setInterval(() => {
		page
			.getByTestId('connection-state')
			.getAttribute('data-state', { timeout: 1000 })
			.then((state) => {
				if (state !== last) say(`connection-state ${last} -> ${state}`);
				last = state ?? '';
			})
			.catch(() => undefined);
	}, 500);
	page.on('close', () => clearInterval(poll));
}

/** CB_E2E_RURAL_DEBUG=1: every 5 s, the server's and this process's (the relays') worst event-loop delay. */
function watchLag(): () => void {
	const own = monitorEventLoopDelay({ resolution: 20 });
	own.enable();
	const timer = setInterval(() => {
		const mine = own.max / 1e6;
		own.reset();
		fetch(`${serverInfo().url}/metrics`)
			.then((r) => r.text())
			.then((text) => {
				const max = /^nodejs_eventloop_lag_max_seconds (\S+)/m.exec(text)?.[1];
				debugSay('lag', `server max ${max ? (Number(max) * 1000).toFixed(0) : '?'} ms, relays max ${mine.toFixed(0)} ms`);
			})
			.catch(() => debugSay('lag', `server ?, relays max ${mine.toFixed(0)} ms`));
	}, 5_000);
	return () => {
		clearInterval(timer);
		own.disable();
	};
}

/** One read of the teacher's top camera encoding: the width it is sent at (0: not sent) and what Chromium says limits it. */
export interface TeacherTopSample {
	width: number;
	limitation: string;
	/** The SFU's last report of loss on the teacher's microphone (what its Opus encoder sizes FEC by). */
	micLoss: number | null;
}

/** `R`: the rooms that have a page (all three unless `pages` names fewer). */
export interface Lesson<R extends RoomName = RoomName> {
	teacher: Page;
	rooms: Record<R, Room>;
	/** The teacher's top camera encoding, read with every sample of the rooms. */
	teacherTop: TeacherTopSample[];
	close(): Promise<void>;
	/** Sampling every room every second until stopped. */
	startSampling(): void;
	stopSampling(): Promise<void>;
	setLink(room: R, profile: LinkProfile): void;
	/** Whether the teacher's tile for this room shows the weak-link mode. */
	teacherSeesWeak(room: R): Promise<boolean>;
	shots(label: string): Promise<void>;
}

export interface LessonOptions<R extends RoomName> {
	/** The room pages' HTTP, socket.io and board WebSocket cross their links too (their origin is the TCP relay). */
	signallingOnLink?: boolean;
	/** Only these rooms get a page (all three are in the lesson): `lesson.rooms` has only them. */
	pages?: readonly R[];
	/** Rooms that join on these links (the others start on a clean link until `setLink`). */
	links?: Partial<Record<NoInfer<R>, LinkProfile>>;
}

/** A teacher on a clean link and three classrooms, each behind its own relays, UDP for the media and TCP for everything else, both set to the room's profile (one Chromium for the rooms). */
export async function startLesson<R extends RoomName = RoomName>(title: string, options: LessonOptions<R> = {}): Promise<Lesson<R>> {
	const tag = Math.random().toString(36).slice(2, 6);
	const school = await adminApi<{ id: string }>('POST', '/api/schools', { name: `青山村小学 ${tag}`, locale: 'rural' });
	const ids: string[] = [];
	for (const name of ['五年级一班', '五年级二班', '五年级三班']) ids.push((await adminApi<{ id: string }>('POST', '/api/classrooms', { schoolId: school.id, name })).id);
	const { links } = await adminApi<{ lesson: LessonRecord; links: LessonLinks }>('POST', '/api/lessons', { title, teacherName: '陈老师', classroomIds: ids });
	const { rtcPort } = serverInfo();
	const browsers: Browser[] = [];
	const relays: (RuralLink | RuralTcpLink)[] = [];
	let sampling: Promise<void> | null = null;
	let stop = false;
	const stopLag = process.env.CB_E2E_RURAL_DEBUG === '1' ? watchLag() : () => undefined;
	try {
		const teacherBrowser = await launchChromium({ video: path.join(MEDIA, 'teacher-720p.y4m'), audio: path.join(MEDIA, 'speech-like.wav') });
		browsers.push(teacherBrowser);
		const roomBrowser = await launchChromium({ video: path.join(MEDIA, 'room-180p-5fps.y4m'), audio: path.join(MEDIA, 'room-tone.wav') });
		browsers.push(roomBrowser);
		const teacherContext = await teacherBrowser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
		await teacherContext.addInitScript(NAME_SHIM);
		const teacher = await teacherContext.newPage();
		if (process.env.CB_E2E_RURAL_DEBUG === '1') watchPage(teacher, 'teacher');
		await teacher.goto(links.teacher);
		const rooms = {} as Record<R, Room>;
		const paged = (options.pages ?? ROOMS) as readonly RoomName[];
		const pagedRooms = (): Room[] => Object.values<Room>(rooms);
		for (const [i, name] of ROOMS.entries()) {
			if (!paged.includes(name)) continue;
			const link = new RuralLink({ host: '127.0.0.1', port: rtcPort });
			relays.push(link);
			const relayPort = await link.start();
			const tcp = new RuralTcpLink(Number(new URL(serverInfo().url).port));
			relays.push(tcp);
			const url = new URL(links.classrooms[i]?.room ?? '');
			if (options.signallingOnLink) url.host = `127.0.0.1:${await tcp.start()}`;
			const context = await roomBrowser.newContext({ viewport: { width: 1280, height: 720 }, locale: i === 1 ? 'en-US' : 'zh-CN' });
			await context.addInitScript(NAME_SHIM);
			await context.addInitScript(routeThroughRelay, { rtcPort, relayPort });
			const joinsOn = options.links?.[name as R];
			if (joinsOn) {
				debugSay(name, `joins on link ${joinsOn.name}`);
				link.set(joinsOn);
				tcp.set(joinsOn);
			}
			const page = await context.newPage();
			if (process.env.CB_E2E_RURAL_DEBUG === '1') watchPage(page, name);
			await page.goto(url.href);
			rooms[name as R] = { name, classroomId: ids[i] as string, page, link, tcp, samples: [] };
		}
		const teacherTop: TeacherTopSample[] = [];
		const sampleTeacher = async () => {
			const encodings = await cameraEncodings(teacher).catch(() => []);
			const mic = (await outboundEncodings(teacher, 'mic').catch(() => []))[0];
			const top = [...encodings].sort((a, b) => (b.rid ?? '').localeCompare(a.rid ?? ''))[0];
			if (top) teacherTop.push({ width: top.frameWidth ?? 0, limitation: top.qualityLimitationReason ?? 'none', micLoss: mic?.remoteFractionLost ?? null });
		};
		const sampleRoom = async (room: Room) => {
			const stats = await inboundStats(room.page).catch(() => [] as InboundStat[]);
			// A read that failed (a busy page) is no sample.
			if (stats.length === 0) return;
			const cam = stats.find(teacherCamera);
			const mic = stats.find(teacherMic);
			const weak = await room.page.getByTestId('weak-link-notice').isVisible().catch(() => false);
			const layer = cam ? await sfuLayer(room.page, cam.consumerId) : null;
			room.samples.push({
				at: Date.now(),
				width: cam && cam.packetsReceived > 0 ? cam.frameWidth : 0,
				layer,
				weak,
				overflow: room.link.down.counters.overflow,
				packets: mic?.packetsReceived ?? 0,
				...(micAudio(mic) ?? { concealed: 0, total: 0 })
			});
		};
		return {
			teacher,
			rooms,
			teacherTop,
			async close() {
				stop = true;
				stopLag();
				await sampling?.catch(() => undefined);
				for (const b of browsers) await b.close().catch(() => undefined);
				for (const r of relays) r.close();
			},
			startSampling() {
				stop = false;
				for (const room of pagedRooms()) startAudioWatch(room.page).catch((error: Error) => console.warn(`audio watch on ${room.name}: ${error.message}`));
				sampling = (async () => {
					while (!stop) {
						const started = Date.now();
						await Promise.all([...pagedRooms().map(sampleRoom), sampleTeacher()]);
						await new Promise((r) => setTimeout(r, Math.max(0, SAMPLE_MS - (Date.now() - started))));
					}
				})();
			},
			async stopSampling() {
				stop = true;
				await sampling;
				sampling = null;
			},
			setLink(room, profile) {
				debugSay(room, `link ${profile.name}`);
				rooms[room].link.set(profile);
				const released = rooms[room].tcp.set(profile);
				if (released) debugSay(room, `tcp released: ${JSON.stringify(released)}`);
			},
			teacherSeesWeak: (room) => teacher.locator(`[data-testid="classroom-tile"][data-classroom="${rooms[room].classroomId}"] [data-testid="weak-link-badge"]`).first().isVisible(),
			async shots(label) {
				await shot(teacher, `rural-${label}-teacher`);
				for (const room of pagedRooms()) await shot(room.page, `rural-${label}-${room.name}`);
			}
		};
	} catch (error) {
		stopLag();
		for (const b of browsers) await b.close().catch(() => undefined);
		for (const r of relays) r.close();
		throw error;
	}
}

/** Whether the link's rate queue has dropped nothing for `ms` (what the SFU sends fits the link again). */
export async function queueQuiet(link: RuralLink, ms: number): Promise<boolean> {
	const before = link.down.counters.overflow;
	await new Promise((r) => setTimeout(r, ms));
	return link.down.counters.overflow === before;
}

/** The width the room decodes the teacher's camera at; 0 while none of it arrives. */
export async function teacherCameraWidth(page: Page): Promise<number> {
	const cam = (await inboundStats(page)).find(teacherCamera);
	return cam && cam.packetsReceived > 0 ? cam.frameWidth : 0;
}

/**
 * The room's teacher camera over `ms`: its decoded width and frames decoded per second. mediasoup
 * steps a simulcast consumer down in time as well as in size: on a link that carries the top
 * layer's lowest temporal layer but not its full rate, the room sees 1280 at 3.75 or 7.5 fps.
 */
export async function teacherCameraRate(page: Page, ms = 2_000): Promise<{ width: number; fps: number }> {
	const before = (await inboundStats(page).catch(() => [] as InboundStat[])).find(teacherCamera);
	await page.waitForTimeout(ms);
	const after = (await inboundStats(page).catch(() => [] as InboundStat[])).find(teacherCamera);
	if (!before || !after || before.consumerId !== after.consumerId || after.packetsReceived === 0) return { width: 0, fps: 0 };
	return { width: after.frameWidth, fps: Math.round(((after.framesDecoded - before.framesDecoded) / (ms / 1000)) * 10) / 10 };
}

/**
 * The teacher-audio stream once only one is left (a room that rejoins may hold the old and the new
 * consumer for a moment): a concealment figure must compare one stream with itself.
 */
export async function settledTeacherMicStat(page: Page, timeoutMs = 15_000): Promise<InboundStat | undefined> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const mics = (await inboundStats(page).catch(() => [] as InboundStat[])).filter(teacherMic);
		if (mics.length === 1 || Date.now() > deadline) return mics[0];
		await page.waitForTimeout(250);
	}
}

/** The layer the SFU last told the page it sends on this consumer. */
function sfuLayer(page: Page, consumerId: string): Promise<number | null> {
	return page
		.evaluate((id) => {
			const hooks = (window as unknown as { __classbridge?: { state(): { consumers: { consumerId: string; spatialLayer?: number | null }[] } } }).__classbridge;
			return hooks?.state().consumers.find((c) => c.consumerId === id)?.spatialLayer ?? null;
		}, consumerId)
		.catch(() => null);
}

/** The concealed and total samples of a microphone's inbound stats, as `concealmentPct` takes them. */
export function micAudio(stat: InboundStat | undefined): AudioCount | undefined {
	return stat && { concealed: stat.concealedSamples ?? 0, total: stat.totalSamplesReceived ?? 0 };
}

/** Between two reads of the room's teacher audio: the concealment outside silence (%), its jitter buffer wait (ms, average), the NACKs it sent and its loss. */
export function audioBuffering(from: InboundStat | undefined, to: InboundStat | undefined): { audibleConcealedPct: number | null; bufferMs: number | null; nacks: number; lostPct: number | null } {
	const emitted = (to?.jitterBufferEmittedCount ?? 0) - (from?.jitterBufferEmittedCount ?? 0);
	const delay = (to?.jitterBufferDelay ?? 0) - (from?.jitterBufferDelay ?? 0);
	const lost = (to?.packetsLost ?? 0) - (from?.packetsLost ?? 0);
	const expected = lost + (to?.packetsReceived ?? 0) - (from?.packetsReceived ?? 0);
	const concealed = (to?.concealedSamples ?? 0) - (from?.concealedSamples ?? 0);
	const silent = (to?.silentConcealedSamples ?? 0) - (from?.silentConcealedSamples ?? 0);
	const total = (to?.totalSamplesReceived ?? 0) - (from?.totalSamplesReceived ?? 0);
	return {
		audibleConcealedPct: total > 0 ? Math.round(((concealed - silent) / total) * 1000) / 10 : null,
		bufferMs: emitted > 0 ? Math.round((delay / emitted) * 1000) : null,
		nacks: (to?.nackCount ?? 0) - (from?.nackCount ?? 0),
		lostPct: expected > 0 ? Math.round((lost / expected) * 1000) / 10 : null
	};
}

type AudioCount = Pick<Sample, 'concealed' | 'total'>;

/** Audio concealment (%) of one room's teacher audio between two samples (or two reads of `micAudio`). */
export function concealmentPct(from: AudioCount | undefined, to: AudioCount | undefined): number | null {
	if (!from || !to || to.total <= from.total) return null;
	return Math.round(((to.concealed - from.concealed) / (to.total - from.total)) * 1000) / 10;
}

/** Share (0..1) of samples with the teacher camera on each layer (by decoded width) or none. */
export function layerShares(samples: Sample[]): { top: number; mid: number; low: number; none: number } {
	const n = Math.max(1, samples.length);
	const count = (f: (s: Sample) => boolean) => Math.round((samples.filter(f).length / n) * 1000) / 1000;
	return {
		top: count((s) => s.width >= 1280),
		mid: count((s) => s.width >= 640 && s.width < 1280),
		low: count((s) => s.width > 0 && s.width < 640),
		none: count((s) => s.width === 0)
	};
}

export { PROFILES };
