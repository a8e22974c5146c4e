import path from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import type { LessonLinks, LessonRecord } from '../protocol/index.ts';
import { makeDeck } from '../signalling/testing/pdfFixtures.ts';
import { adminApi } from './api.ts';
import type { RecordingReplay } from '../protocol/index.ts';
import { launchChromium, serverInfo, shot } from './support.ts';
import { board } from './surface-support.ts';
import { recordingSince, replay, untilMediaTime, uploadDeck } from './recording-support.ts';

const MEDIA = path.resolve('e2e/.media');

/**
 * Recording end to end: a teacher and a classroom with fake media; the teacher records, turns to
 * page 2 at ~8 s and draws a rectangle at ~12 s (media time), then ends the lesson. The library
 * lists it ready within 30 s; the replay plays (time advances, the video has frames), and seeking
 * shows the slides and board as they were: page 2 without the shape at 10 s, with it at 14 s.
 */
test.describe.configure({ mode: 'serial' });

let teacherBrowser: Browser;
let roomBrowser: Browser;
let teacher: Page;
let room: Page;
let phone: Page;
let lesson: LessonRecord;
let links: LessonLinks;
let deckId = '';
let rectId = '';
let since = 0;
/** How late the scripted lesson runs (a busy machine): every scripted time and every seek to one moves by it. */
let late = 0;
/** When the teacher confirmed the end (the recording's last moment, give or take the server's reply). */
let endConfirmedAt = 0;

const PAGES = ['Page one: the water cycle', 'Page two: evaporation', 'Page three: rain'];

/** A typed request through the page's test hooks (what the UI buttons send). */
function request(page: Page, name: string, payload: unknown): Promise<unknown> {
	return page.evaluate(
		([n, p]) => (window as never as { __classbridge: { request(n: string, p: unknown): Promise<unknown> } }).__classbridge.request(n, p),
		[name, payload] as const
	);
}

test.beforeAll(async () => {
	const tag = Math.random().toString(36).slice(2, 6);
	const school = await adminApi<{ id: string }>('POST', '/api/schools', { name: `白云村小学 ${tag}`, locale: 'rural' });
	const classroom = await adminApi<{ id: string }>('POST', '/api/classrooms', { schoolId: school.id, name: '四年级一班' });
	({ lesson, links } = await adminApi<{ lesson: LessonRecord; links: LessonLinks }>('POST', '/api/lessons', {
		title: `水的循环 · The water cycle ${tag}`,
		teacherName: '李老师',
		classroomIds: [classroom.id]
	}));
	teacherBrowser = await launchChromium({ video: path.join(MEDIA, 'teacher-720p.y4m'), audio: path.join(MEDIA, 'tone.wav') });
	roomBrowser = await launchChromium({ video: path.join(MEDIA, 'room-360p.y4m'), audio: path.join(MEDIA, 'room-tone.wav') });
	teacher = await (await teacherBrowser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' })).newPage();
	room = await (await roomBrowser.newContext({ viewport: { width: 1280, height: 720 }, locale: 'zh-CN' })).newPage();
	await teacher.goto(links.teacher);
	await room.goto(links.classrooms[0]?.room ?? '');
	for (const page of [teacher, room]) {
		await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'connected', { timeout: 30_000 });
	}
	phone = await (await roomBrowser.newContext({ viewport: { width: 390, height: 760 }, locale: 'zh-CN', isMobile: true, hasTouch: true })).newPage();
	await phone.goto(`${serverInfo().url}/join/${lesson.joinCodes[classroom.id] ?? ''}`);
	await phone.getByTestId('join-name-input').fill('王小红');
	await phone.getByTestId('join-submit').click();
	await expect(phone.getByTestId('student-live')).toBeVisible({ timeout: 20_000 });
	const teacherToken = new URL(links.teacher).searchParams.get('t') ?? '';
	deckId = (await uploadDeck(teacherToken, '水的循环.pdf', await makeDeck(PAGES))).id;
	await request(teacher, 'surface.show', { view: { kind: 'deck', deckId, page: 1 } });
	await expect(room.getByTestId('surface')).toHaveAttribute('data-page', '1', { timeout: 20_000 });
	await expect(teacher.getByTestId('rec-indicator')).toHaveCount(0);
});

const recordingOf = (id: string) => adminApi<RecordingReplay>('GET', `/api/recordings/${id}`);

test.afterAll(async () => {
	await teacherBrowser?.close();
	await roomBrowser?.close();
});

test('the teacher starts recording', async () => {
	const toggle = teacher.getByTestId('record-toggle');
	await expect(toggle).toHaveAttribute('data-state', 'off');
	await toggle.click();
	await expect(toggle).toHaveAttribute('data-state', 'recording', { timeout: 20_000 });
	since = await recordingSince(teacher);
	test.info().annotations.push({ type: 'timing', description: `the teacher saw REC ${Date.now() - since} ms after the part began` });
});

test('every view shows REC; page 2 at ~8 s, a rectangle at ~12 s, then chat, a poll and a hand; the teacher ends the lesson', async () => {
	await expect(room.getByTestId('rec-indicator')).toHaveAttribute('data-state', 'recording', { timeout: 10_000 });
	await expect(room.getByTestId('rec-indicator')).toContainText('录制中');
	await expect(phone.getByTestId('rec-indicator')).toHaveAttribute('data-state', 'recording', { timeout: 10_000 });
	// The teacher's switch counts the time recorded.
	await expect(teacher.getByTestId('record-toggle')).toContainText(/0:(0[1-9]|[1-5]\d)/, { timeout: 10_000 });
	// On a busy machine the script starts late: it then runs later as a whole, keeping its spacing.
	late = Math.max(0, Math.ceil((Date.now() - since - 7000) / 1000) * 1000);
	if (late) test.info().annotations.push({ type: 'timing', description: `the scripted lesson runs ${late} ms late` });
	await untilMediaTime(since, 8000 + late);
	await request(teacher, 'surface.show', { view: { kind: 'deck', deckId, page: 2 } });
	await expect(room.getByTestId('surface')).toHaveAttribute('data-page', '2');
	await expect.poll(() => board.id(teacher), { timeout: 10_000 }).toBe(`d_${deckId}_2`);

	await untilMediaTime(since, 12_000 + late);
	rectId = await board.createRect(teacher, 300, 200, 500, 300);
	expect(rectId).toMatch(/^shape:/);
	await expect.poll(async () => (await board.shapes(room)).some((s) => s.id === rectId), { timeout: 10_000 }).toBe(true);

	// A screen share of a few seconds: its own span in the replay.
	await teacher.getByTestId('toggle-screen').click();
	await expect(teacher.getByTestId('screen-sharing')).toBeVisible({ timeout: 15_000 });
	await request(teacher, 'chat.send', { text: 'Good morning! Today: the water cycle.' });
	await request(room, 'chat.send', { text: '老师好！' });
	const poll = (await request(teacher, 'poll.open', {
		spec: { kind: 'single', question: 'Where does rain come from?', options: ['Clouds', 'Rivers', 'Trees'], correct: 0 }
	})) as { id: string };
	await request(room, 'hand.raise', {});
	await request(teacher, 'poll.tally', { pollId: poll.id, classroomId: lesson.classroomIds[0], counts: [12, 3, 1] });
	await request(teacher, 'poll.close', { pollId: poll.id });
	await request(teacher, 'poll.reveal', { pollId: poll.id });
	await shot(teacher, 'recording-teacher-rec');
	await shot(room, 'recording-classroom-rec');
	await shot(phone, 'recording-student-rec');
	await untilMediaTime(since, 20_000 + late);
	await teacher.getByTestId('screen-sharing').getByRole('button').click();
	await expect(teacher.getByTestId('screen-sharing')).toHaveCount(0);
	await untilMediaTime(since, 22_000 + late);
	await teacher.getByTestId('end-lesson').click();
	await expect(teacher.getByTestId('end-lesson-dialog')).toBeVisible();
	await shot(teacher, 'recording-end-dialog');
	endConfirmedAt = Date.now();
	await teacher.getByTestId('end-lesson-confirm').click();
	await expect(teacher.getByTestId('lesson-ended')).toBeVisible({ timeout: 15_000 });
	await expect(room.getByTestId('lesson-ended')).toBeVisible({ timeout: 15_000 });
	await expect(room.getByTestId('lesson-ended')).toContainText('课程已结束');
	await expect(phone.getByTestId('lesson-ended')).toBeVisible({ timeout: 15_000 });
	await shot(phone, 'recording-student-ended');
	// No error for the teacher: ending closes the connection by design.
	await expect(teacher.getByTestId('toast')).toHaveCount(0);
});

test('the library lists the lesson, ready within 30 s of the end', async () => {
	const ended = Date.now();
	const library = await (await teacherBrowser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' })).newPage();
	await library.goto(`${serverInfo().adminUrl.replace('/admin?', '/library?')}`);
	const row = library.locator(`[data-testid="library-row"][data-lesson="${lesson.id}"]`);
	await expect(row).toBeVisible({ timeout: 15_000 });
	await expect(row).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
	expect(Date.now() - ended).toBeLessThan(30_000);
	await expect(row).toContainText('李老师');
	await expect(row).toContainText('四年级一班');
	const [minutes, seconds] = ((await row.getByTestId('library-duration').textContent()) ?? '').trim().split(':').map(Number);
	const listedS = (minutes ?? NaN) * 60 + (seconds ?? NaN);
	const recordedS = (endConfirmedAt - since) / 1000;
	expect(listedS, 'the listed duration').toBeGreaterThanOrEqual(Math.floor(recordedS) - 1);
	expect(listedS, 'the listed duration').toBeLessThanOrEqual(Math.ceil(recordedS) + 4);
	// The search narrows the list to it.
	await library.getByTestId('library-search').fill('water cycle');
	await expect(library.getByTestId('library-row')).not.toHaveCount(0);
	await expect(row).toBeVisible();
	await shot(library, 'recording-library');
	// The teacher's ended screen now links to the replay.
	await expect(teacher.getByTestId('ended-replay-link')).toBeVisible({ timeout: 15_000 });
	await shot(teacher, 'recording-teacher-ended');
	await library.close();
});

test('the replay plays, and seeking shows the slide and the board as they were', async () => {
	const page = await (await teacherBrowser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' })).newPage();
	await page.goto(`${serverInfo().url}/replay/${lesson.id}?t=${encodeURIComponent(new URL(links.teacher).searchParams.get('t') ?? '')}`);
	await expect.poll(() => replay.ready(page), { timeout: 20_000 }).toBe(true);
	expect(await replay.durationMs(page)).toBeGreaterThan(15_000);

	await replay.play(page);
	const start = await replay.timeMs(page);
	await expect.poll(() => replay.timeMs(page), { timeout: 10_000, message: 'media time advances' }).toBeGreaterThan(start + 1500);
	await expect.poll(() => replay.videoWidth(page), { timeout: 10_000, message: 'the video has frames' }).toBeGreaterThan(0);
	await replay.pause(page);

	await replay.seek(page, 10_000 + late);
	await expect
		.poll(() => replay.surface(page), { timeout: 15_000, message: 'page 2 at 10 s' })
		.toMatchObject({ kind: 'deck', deckId, page: 2, boardId: `d_${deckId}_2`, slideRendered: true });
	expect(await replay.shapes(page)).not.toContain(rectId);
	await expect(page.getByTestId('replay-surface')).toHaveAttribute('data-page', '2');
	await shot(page, 'recording-replay-10s');

	await replay.seek(page, 14_000 + late);
	await expect.poll(() => replay.shapes(page), { timeout: 15_000, message: 'the rectangle at 14 s' }).toContain(rectId);
	await expect.poll(() => replay.surface(page)).toMatchObject({ page: 2 });
	await shot(page, 'recording-replay-14s');

	// Before the page turn the replay shows page 1, and the screen share is on (the camera in a corner).
	await replay.seek(page, 1000);
	await expect.poll(() => replay.surface(page), { timeout: 15_000 }).toMatchObject({ page: 1, slideRendered: true });
	expect(await replay.shapes(page)).not.toContain(rectId);

	// The screen share shows inside its span only, slaved to the program clock.
	const { manifest } = await recordingOf(lesson.id);
	const span = manifest.media?.screens[0];
	expect(span, 'a screen span in the package').toBeDefined();
	const screen = page.getByTestId('replay-screen');
	await replay.seek(page, (span?.startMs ?? 0) + (span?.durationMs ?? 0) / 2);
	await expect(screen).toHaveAttribute('data-active', 'true');
	await expect.poll(() => screen.evaluate((v: HTMLVideoElement) => v.videoWidth), { message: 'screen frames' }).toBeGreaterThan(0);
	await expect(page.locator('.camera.pip')).toHaveCount(1);
	await shot(page, 'recording-replay-screen');
	await replay.seek(page, 4000);
	await expect(screen).toHaveAttribute('data-active', 'false');

	// Keyboard: l jumps 10 s, Home goes back to the start, > speeds up.
	await page.locator('body').click({ position: { x: 5, y: 300 } });
	await page.keyboard.press('l');
	await expect.poll(() => replay.timeMs(page)).toBeGreaterThanOrEqual(13_900);
	await page.keyboard.press('Home');
	await expect.poll(() => replay.timeMs(page)).toBeLessThan(500);
	await page.keyboard.press('>');
	await expect(page.getByTestId('replay-speed')).toHaveText('1.25×');
	// The seek bar marks the page turn, and says what it is.
	const marker = page.locator('[data-testid="replay-marker"][data-kind="slide"]');
	await expect(marker).toHaveCount(1);
	await marker.hover();
	await expect(page.getByTestId('replay-marker-tip')).toContainText('page 2');
	await expect(page.locator('[data-testid="replay-marker"][data-kind="poll"]')).toHaveCount(1);
	await expect(page.locator('[data-testid="replay-marker"][data-kind="hand"]')).toHaveCount(1);

	// Chat and polls as they were by then, in Chinese.
	await page.getByRole('button', { name: '中文' }).click();
	await replay.seek(page, (await replay.durationMs(page)) - 300);
	await page.getByTestId('replay-tab-chat').click();
	await expect(page.getByTestId('replay-chat-line')).toHaveCount(2);
	await page.getByTestId('replay-tab-polls').click();
	await expect(page.getByTestId('replay-poll')).toContainText('Where does rain come from?');
	await expect(page.getByTestId('replay-poll-bars')).toBeVisible();
	await shot(page, 'recording-replay-zh-polls');
	await replay.seek(page, 10_000 + late);
	await expect(page.getByTestId('replay-poll')).toHaveCount(0);
	// Upright tablet: one column.
	await page.setViewportSize({ width: 800, height: 1100 });
	await shot(page, 'recording-replay-narrow');
	await page.close();
});

test('the teacher’s link opens only their lesson, without delete; staff delete it after a confirmation', async () => {
	const context = await teacherBrowser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
	const mine = await context.newPage();
	await mine.goto(`${serverInfo().url}/library?t=${encodeURIComponent(new URL(links.teacher).searchParams.get('t') ?? '')}`);
	await expect(mine.getByTestId('library-row')).toHaveCount(1);
	await expect(mine.getByTestId('library-row')).toHaveAttribute('data-lesson', lesson.id);
	await expect(mine.getByTestId('library-delete')).toHaveCount(0);

	const staff = await context.newPage();
	await staff.goto(`${serverInfo().adminUrl.replace('/admin?', '/library?')}`);
	const row = staff.locator(`[data-testid="library-row"][data-lesson="${lesson.id}"]`);
	await row.getByTestId('library-delete').click();
	await expect(staff.getByTestId('confirm-dialog')).toBeVisible();
	await expect(staff.getByTestId('confirm-dialog')).toContainText('水的循环');
	await staff.getByTestId('confirm-yes').click();
	await expect(row).toHaveCount(0);
	await mine.reload();
	await expect(mine.getByTestId('library-empty')).toBeVisible();
	await context.close();
});

test('a lesson made with "record automatically" records as soon as the teacher joins', async () => {
	const context = await teacherBrowser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
	const admin = await context.newPage();
	await admin.goto(serverInfo().adminUrl);
	await admin.getByTestId('lesson-title').fill('自动录制 · Auto-recorded');
	await admin.getByTestId('teacher-name').fill('李老师');
	await admin.getByTestId(`classroom-option-${lesson.classroomIds[0]}`).check();
	await admin.getByTestId('auto-record').check();
	await shot(admin, 'recording-admin-auto-record');
	await admin.getByTestId('create-lesson').click();
	await expect(admin.getByTestId('link-teacher')).toBeVisible({ timeout: 15_000 });
	const teacherLink = (await admin.getByTestId('link-teacher').getAttribute('href')) ?? '';

	const autoTeacher = await context.newPage();
	await autoTeacher.goto(teacherLink);
	await expect(autoTeacher.getByTestId('rec-indicator')).toHaveAttribute('data-state', 'recording', { timeout: 30_000 });
	await expect(autoTeacher.getByTestId('record-toggle')).toHaveAttribute('data-state', 'recording');
	await autoTeacher.getByTestId('record-toggle').click();
	await expect(autoTeacher.getByTestId('record-toggle')).toHaveAttribute('data-state', 'off', { timeout: 20_000 });
	await expect(autoTeacher.getByTestId('rec-indicator')).toHaveCount(0);
	await context.close();
});
