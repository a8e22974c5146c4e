import path from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { createTwoRoomLesson } from './api.ts';
import { expectCameraLayers, expectFlowing, expectNotReceiving, inboundStats, launchChromium, shot, teacherCamera, teacherMic } from './support.ts';

const MEDIA = path.resolve('e2e/.media');

/**
 * One teacher (1280x720 y4m camera, three simulcast layers) and two classroom screens, all real
 * Chromium over real WebRTC through the real SFU.
 */
test.describe.configure({ mode: 'serial' });

let teacherBrowser: Browser;
let roomsBrowser: Browser;
let teacher: Page;
let room1: Page;
let room2: Page;
let rooms: string[] = [];

const hook = <T>(page: Page, fn: string, ...args: unknown[]): Promise<T> =>
	page.evaluate(([name, params]) => {
		const api = (window as unknown as { __classbridge: Record<string, (...a: unknown[]) => unknown> }).__classbridge;
		return api[name as string]?.(...(params as unknown[])) as T;
	}, [fn, args] as const);

const roomCamera = (id: string) => (s: { kind: string; source: string; classroomId: string | null }) => s.kind === 'video' && s.source === 'camera' && s.classroomId === id;
const roomMic = (id: string) => (s: { kind: string; classroomId: string | null }) => s.kind === 'audio' && s.classroomId === id;

test.beforeAll(async () => {
	const { links, rooms: ids } = await createTwoRoomLesson('分数的意义 · Fractions');
	rooms = ids;
	teacherBrowser = await launchChromium({ video: path.join(MEDIA, 'teacher-720p.y4m'), audio: path.join(MEDIA, 'tone.wav') });
	roomsBrowser = await launchChromium({ video: path.join(MEDIA, 'room-360p.y4m'), audio: path.join(MEDIA, 'room-tone.wav') });
	teacher = await (await teacherBrowser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' })).newPage();
	room1 = await (await roomsBrowser.newContext({ viewport: { width: 1280, height: 720 }, locale: 'zh-CN' })).newPage();
	room2 = await (await roomsBrowser.newContext({ viewport: { width: 1280, height: 720 }, locale: 'en-US' })).newPage();
	const entry = (i: number) => links.classrooms[i] ?? { room: '' };
	await teacher.goto(links.teacher);
	await room1.goto(entry(0).room);
	await room2.goto(entry(1).room);
	for (const page of [teacher, room1, room2]) {
		await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'connected', { timeout: 30_000 });
	}
});

test.afterAll(async () => {
	await teacherBrowser?.close();
	await roomsBrowser?.close();
});

// First on purpose: Chromium reaches the top layer with the probing it does when a call starts. Later in
// the lesson, on this 2-core machine, the teacher's bandwidth estimate settles below what the 1280
// layer needs and the top layer stops (reproduced on an idle machine; an open finding in the issues).
test('three layers leave the teacher; changing the preferred spatial layer changes the decoded frame width', async () => {
	// Chromium adds the top layer once its bandwidth estimate has ramped up (4-8 s on an idle machine).
	await expectCameraLayers(teacher, [320, 640, 1280], 'teacher sends three layers');

	const consumerId = (await inboundStats(room1)).find(teacherCamera)?.consumerId ?? '';
	expect(consumerId).not.toBe('');
	const width = async () => (await inboundStats(room1)).find((s) => s.consumerId === consumerId)?.frameWidth;
	await hook(room1, 'setPreferredLayers', consumerId, 2);
	// The SFU forwards the top layer once its estimate of the room's downlink covers it (it starts at 1 Mbit/s).
	await expect.poll(width, { timeout: 60_000, intervals: [500] }).toBe(1280);
	await hook(room1, 'setPreferredLayers', consumerId, 0);
	await expect.poll(width, { timeout: 20_000, intervals: [500] }).toBe(320);
	await hook(room1, 'setPreferredLayers', consumerId, 1);
	await expect.poll(width, { timeout: 20_000, intervals: [500] }).toBe(640);
	await hook(room1, 'setPreferredLayers', consumerId, 2);
});

test('each classroom decodes the teacher video and audio', async () => {
	for (const room of [room1, room2]) {
		const video = await expectFlowing(room, teacherCamera, 'teacher camera at a classroom', 30_000);
		expect(video.frameWidth).toBeGreaterThan(0);
		await expectFlowing(room, teacherMic, 'teacher audio at a classroom');
		const element = room.locator('[data-testid="remote-video"][data-source="camera"][data-classroom=""]').first();
		await expect.poll(() => element.evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout: 15_000 }).toBeGreaterThan(0);
	}
	await shot(room1, 'classroom-1-zh');
	await shot(room2, 'classroom-2-en');
});

test('the teacher decodes both classrooms', async () => {
	for (const id of rooms) {
		await expectFlowing(teacher, roomCamera(id), `classroom ${id} camera at the teacher`, 30_000);
		await expectFlowing(teacher, roomMic(id), `classroom ${id} audio at the teacher`);
		// The tile's network badge comes from mediasoup stats; a loopback link must score well.
		const badge = teacher.locator(`[data-testid="classroom-tile"][data-classroom="${id}"] [data-testid="network-badge"]`);
		await expect.poll(async () => Number((await badge.getAttribute('data-score')) || -1), { timeout: 30_000 }).toBeGreaterThanOrEqual(7);
	}
	await shot(teacher, 'teacher-console');
});

test('the teacher sees which classroom is speaking (AudioLevelObserver)', async () => {
	// The teacher's tone (440 Hz) is the loudest source; muted, the rooms' tone (660 Hz) leads.
	await teacher.getByTestId('toggle-mic').click();
	await expect(teacher.locator('[data-testid="classroom-tile"][data-speaking="true"]').first()).toBeVisible({ timeout: 15_000 });
	await shot(teacher, 'teacher-active-speaker');
	await teacher.getByTestId('toggle-mic').click();
	await expectFlowing(room1, teacherMic, 'teacher audio after unmute');
});

test('putting room 2 on stage changes what room 1 receives; return undoes it', async () => {
	const [id1, id2] = rooms as [string, string];
	await expectNotReceiving(room1, roomCamera(id2), 'room 2 before stage', 3_000);
	await teacher.getByTestId(`stage-${id2}`).click();
	await expectFlowing(room1, roomCamera(id2), 'room 2 video at room 1 while on stage', 20_000);
	await expectFlowing(room1, roomMic(id2), 'room 2 audio at room 1 while on stage');
	await expectNotReceiving(room2, roomCamera(id2), 'room 2 does not receive itself', 2_000);
	await shot(room1, 'classroom-1-stage-room-2');
	await shot(teacher, 'teacher-stage-room-2');
	await teacher.getByTestId('stage-return').click();
	await expectNotReceiving(room1, roomCamera(id2), 'room 2 video leaves room 1 after return');
	expect(id1).toBeTruthy();
});

test("a hand raised in room 2 shows in the teacher's queue", async () => {
	const id2 = rooms[1] ?? '';
	await room2.getByTestId('raise-hand').click();
	const entry = teacher.getByTestId('hand-queue').locator(`[data-testid="hand-entry"][data-classroom="${id2}"]`);
	await expect(entry).toBeVisible({ timeout: 10_000 });
	await shot(teacher, 'teacher-hand-queue');
	await shot(room2, 'classroom-2-hand-raised');
});

test('a classroom whose connection is cut is back and decoding within 10 s', async () => {
	const before = (await inboundStats(room1)).find(teacherCamera);
	const cutAt = Date.now();
	await hook(room1, 'dropConnection');
	await expect(room1.getByTestId('connection-state')).not.toHaveAttribute('data-state', 'connected', { timeout: 5_000 });
	await expect(room1.getByTestId('connection-state')).toHaveAttribute('data-state', 'connected', { timeout: 10_000 });
	const after = await expectFlowing(room1, (s) => teacherCamera(s) && s.consumerId !== before?.consumerId, 'teacher camera after reconnect', Math.max(1000, 10_000 - (Date.now() - cutAt)));
	const recoveredMs = Date.now() - cutAt;
	console.log(`classroom recovered and decoding ${recoveredMs} ms after the cut`);
	expect(recoveredMs).toBeLessThan(10_000);
	expect(after.framesDecoded).toBeGreaterThan(0);
	await expectFlowing(teacher, roomCamera(rooms[0] ?? ''), 'room 1 back at the teacher', 15_000);
	await shot(room1, 'classroom-1-after-reconnect');
});
