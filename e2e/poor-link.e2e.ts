import path from 'node:path';
import { expect, test } from '@playwright/test';
import { createTwoRoomLesson } from './api.ts';
import { CLEAN, LossyRelay, routeThroughRelay } from './lossyRelay.ts';
import { inboundStats, launchChromium, micPacketsSince, serverInfo, shot, teacherCamera, teacherMicPackets, type InboundStat } from './support.ts';

const MEDIA = path.resolve('e2e/.media');

/**
 * A rural classroom behind a poor link (600 kbit/s down, 5 % loss each way, 300 ms RTT, through a
 * userspace relay): its video steps down a layer while its audio keeps flowing, and steps back up
 * when the link recovers.
 */
test('poor link: video steps down, audio never stops, video steps back up', async () => {
	const { links } = await createTwoRoomLesson('Poor link · 弱网');
	const relay = new LossyRelay({ host: '127.0.0.1', port: serverInfo().rtcPort });
	const relayPort = await relay.start();
	const teacherBrowser = await launchChromium({ video: path.join(MEDIA, 'teacher-720p.y4m'), audio: path.join(MEDIA, 'tone.wav') });
	const roomBrowser = await launchChromium({ video: path.join(MEDIA, 'room-360p.y4m'), audio: path.join(MEDIA, 'room-tone.wav') });
	try {
		const teacher = await (await teacherBrowser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' })).newPage();
		const roomContext = await roomBrowser.newContext({ viewport: { width: 1280, height: 720 }, locale: 'zh-CN' });
		await roomContext.addInitScript(routeThroughRelay, { rtcPort: serverInfo().rtcPort, relayPort });
		const room = await roomContext.newPage();
		await teacher.goto(links.teacher);
		await room.goto(links.classrooms[0]?.room ?? '');
		await expect(room.getByTestId('connection-state')).toHaveAttribute('data-state', 'connected', { timeout: 30_000 });

		const camera = async () => (await inboundStats(room)).find(teacherCamera);
		const diagnostics = async () =>
			`teacher encodings: ${JSON.stringify(await teacher.evaluate(() => (window as unknown as { __classbridge: { outboundStats(s: string): Promise<unknown> } }).__classbridge.outboundStats('camera')))}; room camera: ${JSON.stringify(await camera())}; relay: ${JSON.stringify(relay.counters)}`;
		const orExplain = async (error: Error) => {
			throw new Error(`${error.message}\n${await diagnostics()}`);
		};
		await expect.poll(async () => (await camera())?.frameWidth, { timeout: 90_000, intervals: [1000], message: 'top layer on a clean link' }).toBe(1280).catch(orExplain);
		await expect.poll(() => relay.counters.down, { message: 'media really crosses the relay', timeout: 10_000 }).toBeGreaterThan(500);

		relay.set({ lossDown: 0.05, lossUp: 0.05, delayMs: 150, downKbps: 600 });
		await expect.poll(async () => (await camera())?.frameWidth ?? 0, { timeout: 45_000, intervals: [1000], message: 'steps down' }).toBeLessThanOrEqual(640).catch(orExplain);

		// Audio is never paused: it keeps arriving through the whole poor stretch (should the link guard
		// move the room to audio + slides, on the same consumer).
		for (let i = 0; i < 4; i++) {
			const before = await teacherMicPackets(room);
			await room.waitForTimeout(1500);
			expect(micPacketsSince(before, await teacherMicPackets(room)), 'teacher audio keeps flowing on the poor link').toBeGreaterThan(0);
		}
		const degraded = await camera();
		console.log(`poor link: teacher camera at ${degraded?.frameWidth}x${degraded?.frameHeight}; relay dropped ${relay.counters.droppedDown} of ${relay.counters.down} down`);
		await shot(room, 'poor-link-classroom');
		await shot(teacher, 'poor-link-teacher');

		relay.set(CLEAN);
		const cleanAt = Date.now();
		// Climbing back needs the SFU's bandwidth probes (sfu/native/mediasoup-*-probation.patch).
		await expect
			.poll(async () => (await camera())?.frameWidth, { timeout: 90_000, intervals: [1000], message: 'back to the top layer' })
			.toBe(1280)
			.catch(orExplain);
		console.log(`poor link: back at 1280 wide ${((Date.now() - cleanAt) / 1000).toFixed(1)} s after the link recovered`);
	} finally {
		await teacherBrowser.close();
		await roomBrowser.close();
		relay.close();
	}
});
