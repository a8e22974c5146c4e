import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, expect, type Browser, type Page } from '@playwright/test';

export const SHOTS = path.resolve('test-results/screenshots');

export function serverInfo(): { url: string; adminUrl: string; rtcPort: number } {
	return JSON.parse(readFileSync(path.resolve('test-results/e2e-server.json'), 'utf8'));
}

const BASE_ARGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--use-fake-ui-for-media-stream',
	'--use-fake-device-for-media-stream',
	'--autoplay-policy=no-user-gesture-required'
];

/** Debian's Chromium with fake camera and mic; `video` makes the camera a y4m file (e.g. 1280x720). */
export function launchChromium(options: { video?: string; audio?: string } = {}): Promise<Browser> {
	const args = [...BASE_ARGS];
	if (options.video) args.push(`--use-file-for-fake-video-capture=${options.video}`);
	if (options.audio) args.push(`--use-file-for-fake-audio-capture=${options.audio}`);
	return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args });
}

export interface InboundStat {
	consumerId: string;
	kind: 'audio' | 'video';
	source: string;
	classroomId: string | null;
	packetsReceived: number;
	framesDecoded: number;
	frameWidth: number;
	frameHeight: number;
	bytesReceived: number;
	/** Audio only (absent from older builds' hooks). */
	totalSamplesReceived?: number;
	concealedSamples?: number;
	silentConcealedSamples?: number;
	concealmentEvents?: number;
	packetsLost?: number;
	nackCount?: number;
	jitterBufferDelay?: number;
	jitterBufferEmittedCount?: number;
}

export async function inboundStats(page: Page): Promise<InboundStat[]> {
	return page.evaluate(async () => {
		const hook = (window as unknown as { __classbridge?: { inboundStats(): Promise<unknown[]> } }).__classbridge;
		return hook ? ((await hook.inboundStats()) as never) : [];
	});
}

/** The teacher's camera as a room receives it (its consumer's stats). */
export const teacherCamera = (s: InboundStat): boolean => s.kind === 'video' && s.source === 'camera' && !s.classroomId;

/** The teacher's microphone as a room receives it (its consumer's stats). */
export const teacherMic = (s: InboundStat): boolean => s.kind === 'audio' && !s.classroomId;

/** Packets received so far on each of a room's consumers of the teacher's microphone, by consumer id. */
export async function teacherMicPackets(page: Page): Promise<Record<string, number>> {
	const stats = await inboundStats(page).catch(() => [] as InboundStat[]);
	return Object.fromEntries(stats.filter(teacherMic).map((s) => [s.consumerId, s.packetsReceived]));
}

/**
 * Teacher audio packets that arrived between two readings. A rejoin makes a new consumer whose count
 * starts at 0, so each consumer is compared with itself (one not read before counts whole).
 */
export function micPacketsSince(before: Record<string, number>, now: Record<string, number>): number {
	return Math.max(0, ...Object.entries(now).map(([id, packets]) => packets - (before[id] ?? 0)));
}

type Pick = (s: InboundStat) => boolean;

/** Resolves once the matching inbound stream is received and (for video) decoding, with growth. */
export async function expectFlowing(page: Page, pick: Pick, what: string, timeoutMs = 20_000): Promise<InboundStat> {
	const deadline = Date.now() + timeoutMs;
	let first: InboundStat | undefined;
	let last: InboundStat | undefined;
	while (Date.now() < deadline) {
		last = (await inboundStats(page)).find(pick);
		if (last) {
			const progress = last.kind === 'video' ? last.framesDecoded : last.packetsReceived;
			const decoding = last.kind === 'video' ? last.frameWidth > 0 : true;
			if (first && decoding) {
				const before = first.kind === 'video' ? first.framesDecoded : first.packetsReceived;
				if (progress > before && first.consumerId === last.consumerId) return last;
			}
			if (!first || first.consumerId !== last.consumerId) first = last;
		}
		await page.waitForTimeout(500);
	}
	throw new Error(`${what}: not flowing within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

export async function expectNotReceiving(page: Page, pick: Pick, what: string, timeoutMs = 15_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		const consumers = await page.evaluate(() => {
			const hook = (window as unknown as { __classbridge?: { state(): { consumers: { consumerId: string }[] } } }).__classbridge;
			return hook ? hook.state().consumers.map((c) => c.consumerId) : [];
		});
		const stats = (await inboundStats(page)).filter((s) => consumers.includes(s.consumerId));
		if (!stats.some(pick)) return;
		await page.waitForTimeout(500);
	}
	throw new Error(`${what}: still receiving after ${timeoutMs} ms`);
}

export async function shot(page: Page, name: string): Promise<void> {
	await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });
}

type Outbound = { rid: string | null; frameWidth: number; bytesSent: number; qualityLimitationReason?: string | null; remoteFractionLost?: number | null };
/** A published source's encodings as the page's sender reports them (the test hook). */
export const outboundEncodings = (page: Page, source: 'camera' | 'mic' | 'screen'): Promise<Outbound[]> =>
	page.evaluate((s) => (window as unknown as { __classbridge: { outboundStats(s: string): Promise<Outbound[]> } }).__classbridge.outboundStats(s), source);
export const cameraEncodings = (page: Page): Promise<Outbound[]> => outboundEncodings(page, 'camera');

/** The widths of the page's camera encodings whose bytes grow over one second, smallest first. */
export async function cameraLayersSending(page: Page): Promise<number[]> {
	const before = await cameraEncodings(page);
	await page.waitForTimeout(1000);
	const after = await cameraEncodings(page);
	return after
		.filter((l) => l.bytesSent > (before.find((b) => b.rid === l.rid)?.bytesSent ?? Number.POSITIVE_INFINITY))
		.map((l) => l.frameWidth)
		.sort((a, b) => a - b);
}

/**
 * Waits until the widths of the page's camera encodings whose bytes grow over one second are exactly
 * `widths` (Chromium adds a layer once its bandwidth estimate covers it); a failure lists the encodings.
 */
export async function expectCameraLayers(page: Page, widths: number[], message: string, timeoutMs = 60_000): Promise<void> {
	await expect
		.poll(() => cameraLayersSending(page), { timeout: timeoutMs, intervals: [250], message })
		.toEqual(widths)
		.catch(async (error: Error) => {
			throw new Error(`${error.message}\nencodings: ${JSON.stringify(await cameraEncodings(page))}`);
		});
}
