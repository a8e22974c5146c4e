import { expect, test } from '@playwright/test';
import { PROFILES, ROOMS, startLesson, takeAudioGap, type Lesson, type RoomName } from './rural-scenario.ts';
import { inboundStats } from './support.ts';

/**
 * One lesson, the teacher on a clean link, three classrooms on good, rural and poor links at once
 * (each through its own userspace relay: rate caps, loss, delay, jitter; see e2e/ruralLink.ts).
 * Asserted are the modes and the recoveries, with timeouts a loaded 2-core machine meets; the
 * figures (concealment, gaps, layer shares, times) are `npm run bench:rural`'s.
 *
 * CB_E2E_RURAL=0 skips it.
 */
test.skip(process.env.CB_E2E_RURAL === '0', 'CB_E2E_RURAL=0');

const micPackets = async (lesson: Lesson, room: RoomName) =>
	(await inboundStats(lesson.rooms[room].page)).find((s) => s.kind === 'audio' && !s.classroomId)?.packetsReceived ?? 0;
const cameraWidth = async (lesson: Lesson, room: RoomName) => {
	const cam = (await inboundStats(lesson.rooms[room].page)).find((s) => s.kind === 'video' && s.source === 'camera' && !s.classroomId);
	return cam && cam.packetsReceived > 0 ? cam.frameWidth : 0;
};
const weakShown = (lesson: Lesson, room: RoomName) => lesson.rooms[room].page.getByTestId('weak-link-notice').isVisible();

async function audioKeepsFlowing(lesson: Lesson, room: RoomName): Promise<void> {
	for (let i = 0; i < 2; i++) {
		const before = await micPackets(lesson, room);
		await lesson.teacher.waitForTimeout(2_000);
		expect(await micPackets(lesson, room), `${room}: teacher audio keeps flowing`).toBeGreaterThan(before);
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

		// Outage: the rural room loses its link for 30 s.
		lesson.setLink('rural', PROFILES.outage);
		await lesson.teacher.waitForTimeout(30_000);
		lesson.setLink('rural', PROFILES.rural);
		const backAt = Date.now();
		const packetsAtReturn = await micPackets(lesson, 'rural');
		await expect.poll(() => micPackets(lesson, 'rural'), { timeout: 30_000, intervals: [500], message: 'rural room hears the teacher again after the outage' }).toBeGreaterThan(packetsAtReturn + 50);
		console.log(`rural rooms: audio back ${((Date.now() - backAt) / 1000).toFixed(1)} s after the outage ended`);
		await expect.poll(() => cameraWidth(lesson, 'rural'), { timeout: 60_000, intervals: [1000], message: 'rural room gets video back after the outage' }).toBeGreaterThan(0);

		// The links clear.
		lesson.setLink('rural', PROFILES.good);
		lesson.setLink('poor', PROFILES.good);
		const clearAt = Date.now();
		await expect.poll(() => weakShown(lesson, 'poor'), { timeout: 90_000, intervals: [1000], message: 'poor room leaves audio + slides' }).toBe(false);
		await expect.poll(() => cameraWidth(lesson, 'poor'), { timeout: 60_000, intervals: [1000], message: 'poor room gets video back' }).toBeGreaterThan(0);
		console.log(`rural rooms: poor room back on video ${((Date.now() - clearAt) / 1000).toFixed(1)} s after its link cleared`);
		await expect.poll(() => lesson.teacherSeesWeak('poor'), { timeout: 15_000 }).toBe(false);
		await expect.poll(() => cameraWidth(lesson, 'rural'), { timeout: 150_000, intervals: [1000], message: 'rural room back on the top layer' }).toBe(1280);
		await lesson.shots('recovered');
		await lesson.stopSampling();

		// The good room was never touched by the others: never on audio + slides.
		const good = lesson.rooms.good.samples;
		expect(good.length).toBeGreaterThan(30);
		expect(good.filter((s) => s.weak), 'good room never fell back').toEqual([]);
		// Tolerates a sample or two read between a frame's packets and its decode on a busy machine.
		expect(good.filter((s) => s.width === 0).length, 'good room always had video').toBeLessThanOrEqual(3);
		const top = good.filter((s) => s.width >= 1280).length / good.length;
		console.log(`rural rooms: good room on the top layer ${(top * 100).toFixed(0)} % of ${good.length} s; longest gaps since the last read: ${JSON.stringify(Object.fromEntries(await Promise.all(ROOMS.map(async (r) => [r, await takeAudioGap(lesson.rooms[r].page)]))))}`);
	} finally {
		await lesson.close();
	}
});
