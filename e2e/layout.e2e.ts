import path from 'node:path';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import type { LessonLinks } from '../protocol/index.ts';
import { createTwoRoomLesson } from './api.ts';
import { contextFor, layoutProblems, screenshotAt, SIZES, type LayoutRules, type SizeName } from './layout-support.ts';
import { expectCameraLayers, launchChromium, serverInfo } from './support.ts';

const MEDIA = path.resolve('e2e/.media');

/**
 * Every page and role at the sizes of its real devices (phone 390x844, tablet 1024x768, laptops
 * 1366x768 and 1440x900, room screens 1920x1080 and 3840x2160, an older projector at 1024x768): no sideways scrolling, no control on a
 * video or board, tap targets of 44 px on touch devices, room-screen text readable from the back, the
 * role's controls on screen. One lesson for the file; each page is resized through its sizes.
 * Screenshots: test-results/screenshots/<size>/.
 */
test.describe.configure({ mode: 'serial' });

let browser: Browser;
const contexts: BrowserContext[] = [];
let links: LessonLinks;
let rooms: string[];
let teacher: Page;
let screen1: Page;
let screen2: Page;
let assistant: Page;
const phones: Page[] = [];

async function open(size: SizeName, locale: string, url?: string): Promise<Page> {
	const context = await browser.newContext(contextFor(size, locale));
	contexts.push(context);
	const p = await context.newPage();
	if (url) await p.goto(url);
	return p;
}

async function resize(p: Page, size: SizeName): Promise<void> {
	await p.setViewportSize({ width: SIZES[size].width, height: SIZES[size].height });
}

/** Runs the checks (polling: a page may still be settling after a resize) and saves a screenshot. */
async function expectLayout(p: Page, name: string, rules: LayoutRules): Promise<void> {
	let problems: string[] = [];
	await expect
		.poll(async () => (problems = await layoutProblems(p, rules)), { timeout: 10_000, message: name })
		.toEqual([])
		.catch(() => {});
	await screenshotAt(p, rules.size, name);
	// LAYOUT_REPORT=1 (while fixing pages): print every problem and go on, so one run lists them all.
	if (process.env['LAYOUT_REPORT']) {
		if (problems.length) console.log(`LAYOUT ${name} at ${rules.size}:\n  ${problems.join('\n  ')}`);
		return;
	}
	expect(problems, `${name} at ${rules.size}`).toEqual([]);
}

const request = (p: Page, name: string, params: unknown) =>
	p.evaluate(
		([n, body]) => (window as unknown as { __classbridge: { request(n: string, p: unknown): Promise<unknown> } }).__classbridge.request(n, body),
		[name, params] as const
	);

test.beforeAll(async () => {
	({ links, rooms } = await createTwoRoomLesson('分数加法 · Adding fractions'));
	browser = await launchChromium({ video: path.join(MEDIA, 'room-360p.y4m'), audio: path.join(MEDIA, 'tone.wav') });
	teacher = await open('laptop-l', 'zh-CN', links.teacher);
	screen1 = await open('screen-1080p', 'zh-CN', links.classrooms[0]?.room);
	screen2 = await open('screen-1080p', 'en-US', links.classrooms[1]?.room);
	assistant = await open('tablet', 'zh-CN', links.classrooms[0]?.assistant);
	for (const p of [teacher, screen1, screen2, assistant]) {
		await expect(p.getByTestId('connection-state')).toHaveAttribute('data-state', 'connected', { timeout: 30_000 });
	}
	await request(teacher, 'classList.add', { classroomId: rooms[0], names: ['王小明', '李华', '赵敏'] });
});

test.afterAll(async () => {
	for (const c of contexts) await c.close().catch(() => {});
	await browser?.close();
});

test('phones (zh-CN and en): the code step, the name step and the live page fit 390 px with 44 px targets', async () => {
	const code = links.classrooms[0]?.joinCode ?? '';
	for (const [locale, tag, name] of [
		['zh-CN', 'zh', '张伟'],
		['en-US', 'en', 'Tom']
	] as const) {
		const p = await open('phone', locale, `${serverInfo().url}/join`);
		await expect(p.getByTestId('join-code-input')).toBeVisible();
		await expectLayout(p, `join-code-${tag}`, { size: 'phone', required: ['join-code-input', 'join-next', 'lang-en', 'lang-zh-CN'] });
		await p.getByTestId('join-code-input').fill(code);
		await p.getByTestId('join-next').click();
		await expect(p.getByTestId('join-name-input')).toBeVisible();
		await expectLayout(p, `join-name-${tag}`, { size: 'phone', required: ['join-name-input', 'join-submit'] });
		await p.getByTestId('join-name-input').fill(name);
		await p.getByTestId('join-submit').click();
		await expect(p.getByTestId('student-live')).toBeVisible();
		await expectLayout(p, `student-live-${tag}`, { size: 'phone', required: ['raise-hand'] });
		phones.push(p);
	}
});

test('the assistant tablet has the class list and the people list; at 1366 px too', async () => {
	await expect(assistant.locator('[data-testid="roster-unlisted"][data-name="张伟"]')).toBeAttached();
	for (const size of ['tablet', 'laptop'] as const) {
		await resize(assistant, size);
		await expectLayout(assistant, 'assistant', { size, required: ['raise-hand', 'audio-only'] });
		for (const id of ['class-roster', 'people-list']) {
			const el = assistant.getByTestId(id);
			await el.scrollIntoViewIfNeeded();
			await expect(el, `${id} at ${size}`).toBeInViewport();
		}
		await expect(assistant.getByTestId('roster-merge').first()).toBeVisible();
	}
});

test('room screens at 1080p, 4K and on an XGA projector: a poll, a room on stage, hands up; nothing covers a video, text reads from the back', async () => {
	// A blank board on screen puts the teacher in a picture-in-picture beside it (as during a lesson).
	const board = (await request(teacher, 'board.addBlank', {})) as { id: string };
	await request(teacher, 'surface.show', { view: { kind: 'blank', boardId: board.id } });
	await request(teacher, 'poll.open', { spec: { kind: 'single', question: '1/2 + 1/4 = ?', options: ['3/4', '2/6', '1/6'], correct: 0 } });
	const [zh, en] = phones as [Page, Page];
	await zh.getByTestId('raise-hand').click();
	await en.getByTestId('raise-hand').click();
	// "Call on" from the teacher's hand queue: the hand's room goes on stage, the hand comes down.
	const hand = teacher.getByTestId('hand-entry').filter({ hasText: '张伟' });
	const studentId = (await hand.getAttribute('data-participant')) ?? '';
	await hand.getByTestId('call-on-hand').click();
	await expect(hand).toHaveCount(0);
	await expect(zh.getByTestId('raise-hand')).toBeVisible();
	await expect(teacher.getByTestId('hand-entry')).toHaveCount(1);
	// The student called on is handed the pen: the board comes to the phone, writable.
	await request(teacher, 'board.setDrawer', { participantId: studentId, canDraw: true });
	await expect(zh.locator('[data-testid="student-board"] .tl-container')).toBeVisible({ timeout: 30_000 });
	await expect(zh.getByTestId('can-draw-banner')).toHaveClass(/ready/, { timeout: 30_000 });
	await expectLayout(zh, 'student-drawing-zh', { size: 'phone', required: ['student-board', 'raise-hand'] });
	for (const s of [screen1, screen2]) await expect(s.getByTestId('classroom-poll-question')).toHaveText('1/2 + 1/4 = ?');
	await expect(screen1.getByTestId('self-on-stage')).toBeVisible();
	await expect(screen2.getByTestId('stage-view')).toBeVisible();
	await expect(screen2.getByTestId('stage-caption')).toContainText('五年级一班');
	for (const size of ['screen-xga', 'screen-1080p', 'screen-4k'] as const) {
		for (const [s, name, extra] of [
			[screen1, 'room-staged-zh', ['room-hand-count']],
			[screen2, 'room-en', ['stage-view', 'stage-caption', 'teacher-pip-caption']]
		] as const) {
			await resize(s, size);
			await expect(s.locator('[data-readable]').first()).toBeVisible();
			await expectLayout(s, name, {
				size,
				roomScreen: true,
				required: ['raise-hand', 'join-code', 'classroom-poll-question', 'classroom-poll-answer-hint', ...extra]
			});
		}
	}
	const pollId = await teacher.evaluate(() => (window as unknown as { __classbridge: { polls: { current(): { id: string } | null } } }).__classbridge.polls.current()?.id);
	await request(teacher, 'poll.close', { pollId });
	await request(teacher, 'poll.dismiss', { pollId });
});

test('the observer (1440x900) sees the whole lesson: every room, not one room\'s view', async () => {
	const observer = await open('laptop-l', 'en-US', links.observer);
	await expect(observer.getByTestId('connection-state')).toHaveAttribute('data-state', 'connected', { timeout: 30_000 });
	await expect(observer.getByTestId('observer-room')).toHaveCount(2);
	for (const id of rooms) {
		const video = observer.locator(`[data-testid="observer-room"][data-classroom="${id}"] video`);
		await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.videoWidth).catch(() => 0), { timeout: 30_000 }).toBeGreaterThan(0);
	}
	await expectLayout(observer, 'observer', { size: 'laptop-l', required: ['observer-rooms', 'primary-view'] });
});

test('a 640x360 teacher camera sends its full 360p as the top simulcast layer (not 320x180)', async () => {
	await expectCameraLayers(teacher, [320, 640], 'a 640x360 camera: 320 and 640 wide layers');
});

test('the teacher laptop (1440x900 and 1366x768): the quiz composer saves and publishes without scrolling past the room strip', async () => {
	for (const size of ['laptop-l', 'laptop'] as const) {
		await resize(teacher, size);
		await expectLayout(teacher, 'teacher', { size, required: ['polls-toggle', 'surface-toggle', 'end-lesson'] });
		await teacher.getByTestId('polls-toggle').click();
		await expect(teacher.getByTestId('poll-composer')).toBeVisible();
		await expectLayout(teacher, 'teacher-polls', { size, required: ['compose-question', 'compose-save', 'compose-open'] });
		await teacher.getByTestId('polls-toggle').click();
		// The board (a blank board is on screen): its style panel no longer lies over the page, and
		// the teacher is told the rooms do not see the tools.
		if ((await teacher.getByTestId('surface-toggle').getAttribute('aria-pressed')) !== 'true') await teacher.getByTestId('surface-toggle').click();
		await expect(teacher.locator('[data-testid="teacher-surface"] .tl-container')).toBeVisible();
		await expect(teacher.getByTestId('board-tools-private')).toBeVisible();
		await expect(teacher.locator('.tlui-style-panel')).toHaveCount(0);
		await expectLayout(teacher, 'teacher-board', { size, required: ['board-tools-private', 'surface-stop'] });
	}
});

test('staff pages at laptop and tablet sizes', async () => {
	const { adminUrl, url } = serverInfo();
	const token = new URL(adminUrl).searchParams.get('token') ?? '';
	for (const size of ['laptop', 'tablet'] as const) {
		const p = await open(size, 'zh-CN', adminUrl);
		await expect(p.getByTestId('create-lesson')).toBeVisible();
		// The e2e server runs without TLDRAW_LICENSE_KEY: the admin is told (item 7).
		await expect(p.getByTestId('setup-board-licence')).toContainText('TLDRAW_LICENSE_KEY');
		await expectLayout(p, 'admin', { size });
		for (const [route, name] of [
			['/analytics', 'analytics'],
			['/library', 'library']
		] as const) {
			await p.goto(`${url}${route}?token=${token}`);
			await expect(p.locator('h1').first()).toBeVisible();
			await p.waitForTimeout(1500);
			await expectLayout(p, name, { size });
		}
	}
});
