import { expect, test } from '@playwright/test';
import { PROFILES, debugSay, micPacketsSince, startLesson, teacherCameraWidth, teacherMicPackets } from './rural-scenario.ts';
import { deckCached, ruralDeck, uploadDeck } from './rural-surface.ts';
import { board, slides } from './surface-support.ts';

/**
 * A rural school's link drops for 30 s, all of it: the media, socket.io, the board's WebSocket and
 * HTTP (the room page's origin is its relay, e2e/ruralTcpLink.ts). While it is down the teacher
 * turns a page and draws. Soon after the link returns, without a click, the room hears the teacher
 * again and shows the page and the drawing; its video follows as the link allows.
 * One room page only (the lesson has three classrooms): the three-room test is e2e/rural-rooms.e2e.ts.
 *
 * CB_E2E_RURAL=0 skips it.
 */
test.skip(process.env.CB_E2E_RURAL === '0', 'CB_E2E_RURAL=0');

/** The bound: audio, page and board back within 10 s of the link returning (runs: audio 5.2-7.4 s). */
const BACK_WITHIN_MS = 10_000;

test('a 30 s outage of the whole link: audio, page and board come back by themselves soon after it returns, video after', async () => {
	test.setTimeout(420_000);
	const lesson = await startLesson('断网三十秒 · A 30 s outage', { signallingOnLink: true, pages: ['rural'] });
	const room = lesson.rooms.rural.page;
	try {
		for (const page of [lesson.teacher, room]) {
			await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'connected', { timeout: 60_000 });
		}
		lesson.setLink('rural', PROFILES.rural);
		await expect.poll(() => teacherCameraWidth(room), { timeout: 90_000, intervals: [1000], message: 'rural room: teacher camera' }).toBeGreaterThan(0);

		const deckId = await uploadDeck(lesson.teacher, await ruralDeck(3, 20));
		await expect.poll(() => deckCached(room, deckId), { timeout: 60_000, intervals: [500], message: 'rural room: the deck is on the device' }).toBe(true);
		await expect(room.getByTestId('code-prefetch'), 'rural room: the slide and board code is on the device').toHaveAttribute('data-state', 'ready', { timeout: 180_000 });
		await lesson.teacher.getByTestId(`deck-show-${deckId}`).click();
		await expect.poll(() => slides.renderedPage(room), { timeout: 30_000, message: 'rural room: page 1' }).toBe(1);

		debugSay('test', 'outage starts');
		lesson.setLink('rural', PROFILES.outage);
		await lesson.teacher.waitForTimeout(10_000);
		await lesson.teacher.getByTestId('page-next').click();
		// The drawing goes on page 2's board: the teacher's own view must have turned first.
		await expect.poll(() => slides.renderedPage(lesson.teacher), { timeout: 15_000, message: 'the teacher is on page 2' }).toBe(2);
		await expect.poll(() => board.id(lesson.teacher), { timeout: 15_000, message: "the teacher's board is page 2's" }).toBe(`d_${deckId}_2`);
		await expect.poll(() => board.canDraw(lesson.teacher), { timeout: 15_000, message: "the teacher's board is connected" }).toBe(true);
		const shapeId = await board.createRect(lesson.teacher, 200, 160, 140, 90);
		expect(shapeId).toMatch(/^shape:/);
		await lesson.teacher.waitForTimeout(20_000);
		const packetsAtReturn = await teacherMicPackets(room);
		lesson.setLink('rural', PROFILES.rural);
		const backAt = Date.now();
		debugSay('test', 'the link is back');

		// Each is waited for longer than the bound, so a miss reports by how much.
		const secondsUntil = async (what: string, probe: () => Promise<boolean>): Promise<number> => {
			await expect.poll(probe, { timeout: 40_000, intervals: [250], message: what }).toBe(true);
			return (Date.now() - backAt) / 1000;
		};
		const [audio, page, drawing] = await Promise.all([
			secondsUntil('rural room hears the teacher', async () => micPacketsSince(packetsAtReturn, await teacherMicPackets(room)) > 25),
			secondsUntil('rural room shows the page turned during the outage', async () => (await slides.renderedPage(room).catch(() => null)) === 2),
			secondsUntil('rural room has the drawing made during the outage', async () => (await board.shapes(room).catch(() => [])).some((s) => s.id === shapeId))
		]);
		await expect(room.getByTestId('connection-state')).toHaveAttribute('data-state', 'connected', { timeout: 10_000 });
		await expect.poll(() => teacherCameraWidth(room), { timeout: 60_000, intervals: [500], message: 'rural room: video after the outage' }).toBeGreaterThan(0);
		const video = (Date.now() - backAt) / 1000;
		console.log(`rural outage: back after the link returned: audio ${audio.toFixed(1)} s, page ${page.toFixed(1)} s, board ${drawing.toFixed(1)} s, video ${video.toFixed(1)} s`);
		expect(audio, 'audio back in time').toBeLessThanOrEqual(BACK_WITHIN_MS / 1000);
		expect(page, 'the page back in time').toBeLessThanOrEqual(BACK_WITHIN_MS / 1000);
		expect(drawing, 'the board back in time').toBeLessThanOrEqual(BACK_WITHIN_MS / 1000);
		await lesson.shots('outage-back');
	} finally {
		await lesson.close();
	}
});
