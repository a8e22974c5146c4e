import path from 'node:path';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { CLASS_REPLAYS_API, type LessonDashboard, type LessonLinks, type LessonRecord } from '../protocol/index.ts';
import { MARKS, writeLessonFixture } from '../recorder/packages/testing/lessonFixture.ts';
import { createRooms, runScriptedLesson } from './analytics-support.ts';
import { adminApi } from './api.ts';
import { launchChromium, serverInfo, shot } from './support.ts';

/**
 * A recorded lesson taught again in class: two rooms took a quiz live; the lesson's package (its
 * recorded quiz under the live poll's id) is taught in a third room. The assistant's tablet plays
 * it on the room screen; at the quiz's time the playback stops and the quiz opens on three phones;
 * they answer; the assistant continues and raises a quick poll of their own; the analytics page of
 * the lesson shows the replayed room beside the live ones.
 */

const TITLE = '分数比较 · Comparing fractions';
const QUESTION = '1/2 和 1/3 哪个大？';
const POLL_AT_MS = 2500;
const DATA_DIR = path.resolve('test-results/e2e-data');

let browser: Browser;
const contexts: BrowserContext[] = [];
let sourceId = '';
let pollId = '';
let replay: { lesson: LessonRecord; links: LessonLinks };

async function page(options: Parameters<Browser['newContext']>[0]): Promise<Page> {
	const context = await browser.newContext(options);
	contexts.push(context);
	return context.newPage();
}

test.beforeAll(async () => {
	browser = await launchChromium();
	const rooms = await createRooms(Math.random().toString(36).slice(2, 6));
	// Live: the urban room 3 of 3 right, the rural room 1 of 3.
	({ lesson: { id: sourceId } } = await runScriptedLesson(TITLE, rooms, [{ question: QUESTION, options: ['1/3', '1/2'], correct: 1, answers: [[1, 1, 1], [1, 0, 0]] }]));
	await expect
		.poll(async () => (await adminApi<LessonDashboard>('GET', `/api/analytics/lessons/${sourceId}`).catch(() => null))?.polls[0]?.answered ?? 0, { timeout: 30_000 })
		.toBe(6);
	pollId = (await adminApi<LessonDashboard>('GET', `/api/analytics/lessons/${sourceId}`)).polls[0]?.pollId ?? '';
	// The lesson's package, as the recorder (or an import, or sync) leaves it in the data folder.
	await writeLessonFixture(DATA_DIR, sourceId, { seconds: 10, title: TITLE, poll: { pollId, question: QUESTION, options: ['1/3', '1/2'], correct: 1, mediaMs: POLL_AT_MS } });
	const school = await adminApi<{ id: string }>('POST', '/api/schools', { name: `石桥村小学 ${sourceId.slice(-4)}`, locale: 'rural' });
	const room = await adminApi<{ id: string }>('POST', '/api/classrooms', { schoolId: school.id, name: '五年级' });
	replay = await adminApi('POST', CLASS_REPLAYS_API, { sourceLessonId: sourceId, classroomId: room.id });
});

test.afterAll(async () => {
	for (const context of contexts) await context.close();
	await browser?.close();
});

test('the room screen plays the recorded lesson, stops at its quiz for the phones, and analytics sets the room beside the live ones', async () => {
	expect(replay.lesson).toMatchObject({ replayOf: sourceId, title: TITLE });
	const entry = replay.links.classrooms[0]!;
	const screen = await page({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' });
	await screen.goto(entry.room);
	const stage = screen.getByTestId('class-replay-stage');
	await expect(stage).toHaveAttribute('data-status', 'paused');
	await expect(screen.getByTestId('class-replay-overlay')).toBeVisible();
	await expect(screen.getByTestId('join-code')).toContainText(entry.joinCode);
	// Beside the video, the recorded deck page as it was at 0:00 (read with the room's own token).
	const slides = screen.getByTestId('replay-surface');
	await expect(slides).toHaveAttribute('data-view', 'deck');
	await expect(slides).toHaveAttribute('data-page', '1');
	// The slide's own data-page is set once that page's PDF canvas is painted.
	await expect(slides.getByTestId('slide-page')).toHaveAttribute('data-page', '1', { timeout: 20_000 });

	const tablet = await page({ viewport: { width: 1024, height: 768 }, locale: 'zh-CN', hasTouch: true });
	await tablet.goto(entry.assistant);
	await expect(tablet.getByTestId('replay-assistant')).toBeVisible({ timeout: 30_000 });
	await expect(tablet.getByTestId('replay-surface')).toHaveAttribute('data-page', '1');
	await expect(tablet.locator(`[data-testid="replay-poll-list"] [data-poll-id="${pollId}"]`)).toHaveAttribute('data-opened', 'false');

	const phones: Page[] = [];
	for (const name of ['赵小红', '钱多多', '孙悟']) {
		const p = await page({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' });
		await p.goto(`${serverInfo().url}/join/${entry.joinCode}`);
		await p.getByTestId('join-name-input').fill(name);
		await p.getByTestId('join-submit').click();
		await expect(p.getByTestId('student-no-poll')).toBeVisible();
		phones.push(p);
	}
	await shot(screen, 'taught-again-01-room-ready');
	await shot(tablet, 'taught-again-02-tablet-ready');

	// Play: the quiz opens at its recorded time, on the room screen and on every phone.
	const started = Date.now();
	await tablet.getByTestId('replay-play').click();
	await expect(stage).toHaveAttribute('data-status', 'playing');
	await expect(stage).toHaveAttribute('data-waiting-poll', pollId, { timeout: 10_000 });
	expect(Date.now() - started).toBeGreaterThanOrEqual(POLL_AT_MS - 200);
	await expect(stage).toHaveAttribute('data-status', 'paused');
	await expect(screen.getByTestId('classroom-poll-question')).toHaveText(QUESTION);
	await expect(screen.getByTestId('class-replay-poll-banner')).toBeVisible();
	const player = screen.getByTestId('class-replay-player');
	await expect.poll(async () => Number(await player.getAttribute('data-position'))).toBeGreaterThan(POLL_AT_MS - 700);
	for (const [i, p] of phones.entries()) {
		await expect(p.getByTestId('poll-question')).toHaveText(QUESTION);
		// Two right (1/2), one wrong.
		await p.locator(`[data-testid="poll-option"][data-index="${i < 2 ? 1 : 0}"]`).click();
		await expect(p.getByTestId('poll-received')).toBeVisible();
	}
	await expect(tablet.getByTestId('assistant-answered')).toHaveAttribute('data-answered', '3');
	await expect(tablet.getByTestId('replay-controls')).toHaveAttribute('data-state', 'poll');
	await shot(screen, 'taught-again-03-room-quiz');
	await shot(tablet, 'taught-again-04-tablet-quiz');
	await shot(phones[0]!, 'taught-again-05-phone-quiz');

	// Show the answer, then continue: the quiz closes, the playback goes on from the quiz's time.
	await tablet.getByTestId('replay-poll-close').click();
	await tablet.getByTestId('replay-poll-reveal').click();
	await expect(screen.getByTestId('classroom-right-answer')).toBeVisible();
	await expect(phones[0]!.getByTestId('poll-verdict')).toHaveAttribute('data-verdict', 'correct');
	await expect(phones[2]!.getByTestId('poll-verdict')).toHaveAttribute('data-verdict', 'wrong');
	await shot(screen, 'taught-again-06-room-answer');
	await tablet.getByTestId('replay-poll-dismiss').click();
	await tablet.getByTestId('replay-play').click();
	await expect(stage).toHaveAttribute('data-status', 'playing');
	await expect(tablet.locator(`[data-testid="replay-poll-list"] [data-poll-id="${pollId}"]`)).toHaveAttribute('data-opened', 'true');
	// Playing on past MARKS.page2, the room screen turns to the recorded page 2 with its drawing.
	await expect(slides).toHaveAttribute('data-page', '2', { timeout: 10_000 });
	await expect(slides.getByTestId('slide-page')).toHaveAttribute('data-page', '2', { timeout: 20_000 });
	expect(Number(await player.getAttribute('data-position'))).toBeGreaterThanOrEqual(MARKS.page2 - 1200);
	await shot(screen, 'taught-again-10-room-slides-page2');

	// Pause and rewind: the quiz is not asked twice.
	await tablet.getByTestId('replay-pause').click();
	await expect(stage).toHaveAttribute('data-status', 'paused');
	await tablet.getByTestId('replay-back').click();
	await expect(tablet.getByTestId('replay-time')).toHaveText('0:00');
	await expect(slides).toHaveAttribute('data-page', '1', { timeout: 5_000 });

	// The assistant's own quick question reaches the phones.
	await tablet.getByTestId('quick-poll-question').fill('听懂了吗？');
	await tablet.getByTestId('quick-poll-yesno').click();
	await expect(screen.getByTestId('classroom-poll-question')).toHaveText('听懂了吗？');
	await expect(phones[1]!.getByTestId('poll-question')).toHaveText('听懂了吗？');
	await phones[1]!.locator('[data-testid="poll-option"][data-index="0"]').click();
	await expect(phones[1]!.getByTestId('poll-received')).toBeVisible();
	await shot(tablet, 'taught-again-07-tablet-quick-poll');
	await tablet.getByTestId('replay-poll-close').click();

	// Analytics: the replayed room beside the live rooms, per question.
	await expect
		.poll(async () => (await adminApi<LessonDashboard>('GET', `/api/analytics/lessons/${sourceId}`)).replays?.[0]?.polls[0]?.answered ?? 0, { timeout: 30_000 })
		.toBe(3);
	const dashboard = await adminApi<LessonDashboard>('GET', `/api/analytics/lessons/${sourceId}`);
	expect(dashboard.replays).toHaveLength(1);
	expect(dashboard.replays?.[0]).toMatchObject({ lessonId: replay.lesson.id, classroom: { name: '五年级' }, polls: [{ pollId, answered: 3, correct: 2 }] });
	const analytics = await page({ viewport: { width: 1440, height: 1000 }, locale: 'zh-CN' });
	const token = new URL(serverInfo().adminUrl).searchParams.get('token') ?? '';
	await analytics.goto(`${serverInfo().url}/analytics/lessons/${sourceId}?token=${token}`);
	const panel = analytics.getByTestId('replay-compare');
	await expect(panel).toBeVisible();
	await expect(panel.locator('[data-testid="replay-compare-row"][data-kind="live"]')).toHaveCount(2);
	const replayed = panel.locator('[data-testid="replay-compare-row"][data-kind="replayed"]');
	await expect(replayed).toHaveCount(1);
	await expect(replayed).toContainText('五年级');
	await expect(replayed.getByTestId('replay-compare-accuracy')).toHaveText('67%');
	await panel.scrollIntoViewIfNeeded();
	await panel.screenshot({ path: path.resolve('test-results/screenshots/taught-again-08-analytics-live-vs-replayed.png') });
});
