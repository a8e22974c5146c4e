import path from 'node:path';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import type { LessonLinks } from '../protocol/index.ts';
import { createTwoRoomLesson } from './api.ts';
import { launchChromium, serverInfo, shot } from './support.ts';

const MEDIA = path.resolve('e2e/.media');

/**
 * Polls end to end: three phones join room 1 by its code (one picks a name from the class list,
 * one types the code, one opens the QR link), one phone joins room 2; the teacher opens a
 * single-choice quiz; the live histogram and the per-room breakdown are exact; close and reveal
 * reach the phones ("correct"/"wrong") and the classroom screen.
 */
test.describe.configure({ mode: 'serial' });

let browser: Browser;
const contexts: BrowserContext[] = [];
let teacher: Page;
let screen: Page;
let assistant: Page;
let links: LessonLinks;
let rooms: string[];
const phones: Page[] = [];

async function page(options: Parameters<Browser['newContext']>[0]): Promise<Page> {
	const context = await browser.newContext(options);
	contexts.push(context);
	return context.newPage();
}

const phone = () => page({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' });

test.beforeAll(async () => {
	({ links, rooms } = await createTwoRoomLesson('分数加法 · Adding fractions'));
	// One Chromium, one context per person: cheaper than a browser each on two cores.
	browser = await launchChromium({ video: path.join(MEDIA, 'room-360p.y4m'), audio: path.join(MEDIA, 'tone.wav') });
	teacher = await page({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
	screen = await page({ viewport: { width: 1280, height: 720 }, locale: 'zh-CN' });
	await teacher.goto(links.teacher);
	assistant = await page({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
	await screen.goto(links.classrooms[0]?.room ?? '');
	await assistant.goto(links.classrooms[0]?.assistant ?? '');
	for (const p of [teacher, screen, assistant]) {
		await expect(p.getByTestId('connection-state')).toHaveAttribute('data-state', 'connected', { timeout: 30_000 });
	}
});

test.afterAll(async () => {
	for (const c of contexts) await c.close().catch(() => {});
	await browser?.close();
});

test('students join on their phones by code, by class list and by link; a reload keeps who they are', async () => {
	const code1 = links.classrooms[0]?.joinCode ?? '';
	const code2 = links.classrooms[1]?.joinCode ?? '';
	await teacher.evaluate(
		([classroomId]) =>
			(window as unknown as { __classbridge: { request(n: string, p: unknown): Promise<unknown> } }).__classbridge.request('classList.add', {
				classroomId,
				names: ['王小明', '李华']
			}),
		[rooms[0]] as const
	);
	await expect(screen.getByTestId('join-qr')).toHaveAttribute('data-text', `${serverInfo().url}/join/${code1}`);

	// 1: the QR link, then the name from the class list.
	const a = await phone();
	await a.goto(`${serverInfo().url}/join/${code1}`);
	await expect(a.getByTestId('join-lesson')).toContainText('分数加法');
	await shot(a, 'polls-01-phone-pick-name');
	await a.locator('[data-testid="join-pick"][data-name="王小明"]').click();

	// 2: types the code, then a new name.
	const b = await phone();
	await b.goto(`${serverInfo().url}/join`);
	await b.getByTestId('join-code-input').fill(code1.toLowerCase());
	await b.getByTestId('join-next').click();
	await b.getByTestId('join-name-input').fill('张伟');
	await b.getByTestId('join-submit').click();

	const c = await phone();
	await c.goto(`${serverInfo().url}/join/${code1}`);
	await c.getByTestId('join-name-input').fill('刘洋');
	await c.getByTestId('join-submit').click();

	const d = await phone();
	await d.goto(`${serverInfo().url}/join/${code2}`);
	await d.getByTestId('join-name-input').fill('陈静');
	await d.getByTestId('join-submit').click();

	phones.push(a, b, c, d);
	for (const p of phones) {
		await expect(p.getByTestId('student-live')).toBeVisible();
		await expect(p.getByTestId('student-lesson-title')).toHaveText('分数加法 · Adding fractions');
		await expect(p.getByTestId('student-no-poll')).toBeVisible();
	}
	await expect(a.getByTestId('student-live')).toContainText('王小明');

	// A reload comes back as the same student, without asking again.
	await b.reload();
	await expect(b.getByTestId('student-live')).toContainText('张伟');
	await expect(b.getByTestId('student-no-poll')).toBeVisible();

	// Raise and lower a hand from the phone; the classroom screen counts it.
	await a.getByTestId('raise-hand').click();
	await expect(a.getByTestId('lower-hand')).toBeVisible();
	await shot(a, 'polls-02-phone-hand-up');
	await a.getByTestId('lower-hand').click();
	await expect(a.getByTestId('raise-hand')).toBeVisible();

	// The assistant's roster: the listed names, and the names students typed, to accept or merge.
	await expect(assistant.getByTestId('roster-name')).toHaveCount(2);
	for (const name of ['王小明', '李华']) await expect(assistant.getByTestId('roster-name').filter({ hasText: name })).toHaveCount(1);
	await expect(assistant.locator('[data-testid="roster-unlisted"][data-name="张伟"]')).toBeVisible();
	await expect(assistant.locator('[data-testid="roster-unlisted"][data-name="刘洋"]')).toBeVisible();
});

test('the teacher opens a quiz; the live histogram and the per-room breakdown are exact', async () => {
	const [a, b, c, d] = phones as [Page, Page, Page, Page];
	await teacher.getByTestId('polls-toggle').click();
	await teacher.getByTestId('compose-question').fill('1/2 + 1/4 = ?');
	const options = teacher.getByTestId('compose-option');
	for (const [i, text] of ['3/4', '2/6', '1/6', '3/8'].entries()) await options.nth(i).fill(text);
	await teacher.locator('[data-testid="compose-correct"][data-index="0"]').click();
	await teacher.getByTestId('compose-open').click();
	await expect(teacher.getByTestId('poll-live')).toHaveAttribute('data-status', 'open');

	await expect(screen.getByTestId('classroom-poll-question')).toHaveText('1/2 + 1/4 = ?');
	for (const p of phones) await expect(p.getByTestId('poll-question')).toHaveText('1/2 + 1/4 = ?');
	await shot(c, 'polls-03-phone-open-poll');
	await shot(screen, 'polls-04-screen-open-poll');

	// Before anyone answers, the assistant sees who has not answered in their room.
	await expect(assistant.getByTestId('assistant-not-answered').locator('li')).toHaveCount(3);

	const answer = async (p: Page, index: number) => {
		await p.locator(`[data-testid="poll-option"][data-index="${index}"]`).click();
		await expect(p.getByTestId('poll-received')).toBeVisible();
	};
	await answer(a, 0);
	await answer(b, 0);
	await answer(c, 1);
	await answer(d, 0);
	await shot(c, 'polls-05-phone-received');

	const counts = teacher.locator('[data-testid="poll-histogram-row"]');
	await expect(counts).toHaveCount(4);
	await expect.poll(() => counts.evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-count'))))).toEqual([3, 1, 0, 0]);
	await expect(teacher.getByTestId('poll-answered')).toHaveAttribute('data-answered', '4');
	const room1 = teacher.locator(`[data-testid="poll-room"][data-classroom-id="${rooms[0]}"]`);
	const room2 = teacher.locator(`[data-testid="poll-room"][data-classroom-id="${rooms[1]}"]`);
	await expect(room1).toHaveAttribute('data-answered', '3');
	await expect(room1).toHaveAttribute('data-present', '3');
	await expect(room1).toHaveAttribute('data-correct', '2');
	await expect(room1.getByTestId('poll-room-pct')).toContainText('67%');
	await expect(room2).toHaveAttribute('data-answered', '1');
	await expect(room2).toHaveAttribute('data-correct', '1');
	await expect(room2.getByTestId('poll-room-pct')).toContainText('100%');
	await shot(teacher, 'polls-06-teacher-live-results');

	// The assistant's room view, and a show-of-hands tally that stays apart from the device answers.
	await expect(assistant.getByTestId('assistant-answered')).toHaveAttribute('data-answered', '3');
	const tally = assistant.getByTestId('tally-count');
	await tally.nth(0).fill('5');
	await tally.nth(1).fill('2');
	await assistant.getByTestId('tally-submit').click();
	await shot(assistant, 'polls-06b-assistant');
	await expect
		.poll(() => teacher.locator('[data-testid="poll-tally-bars-row"]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-count')))))
		.toEqual([5, 2, 0, 0]);
	await expect(room1.getByTestId('poll-room-tally')).toBeVisible();
	await expect.poll(() => counts.evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-count'))))).toEqual([3, 1, 0, 0]);
	await shot(teacher, 'polls-06c-teacher-with-tally');
});

test('close and reveal: phones say right or wrong, the classroom screen shows the bars and the answer', async () => {
	const [a, , c] = phones as [Page, Page, Page, Page];
	await teacher.getByTestId('poll-close').click();
	await expect(c.getByTestId('poll-closed')).toBeVisible();
	await teacher.getByTestId('poll-reveal').click();
	await expect(teacher.getByTestId('poll-revealed')).toBeVisible();

	await expect(a.getByTestId('poll-verdict')).toHaveAttribute('data-verdict', 'correct');
	await expect(c.getByTestId('poll-verdict')).toHaveAttribute('data-verdict', 'wrong');
	await expect(c.getByTestId('poll-right-answer')).toContainText('3/4');
	await expect
		.poll(() => c.locator('[data-testid="student-results-row"]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-count')))))
		.toEqual([3, 1, 0, 0]);
	await shot(c, 'polls-07-phone-wrong');
	await shot(a, 'polls-08-phone-correct');

	await expect(screen.getByTestId('classroom-poll')).toHaveAttribute('data-state', 'revealed');
	await expect(screen.getByTestId('classroom-right-answer')).toContainText('3/4');
	await expect
		.poll(() => screen.locator('[data-testid="classroom-results-row"]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-count')))))
		.toEqual([3, 1, 0, 0]);
	await shot(screen, 'polls-09-screen-revealed');
	await shot(teacher, 'polls-10-teacher-revealed');
});

test('a prepared short-answer poll: the phone counts characters, the teacher reads the answers', async () => {
	const [a, b] = phones as [Page, Page, Page, Page];
	await teacher.getByTestId('poll-dismiss').click();
	await expect(screen.getByTestId('classroom-poll')).toHaveCount(0);
	await expect(a.getByTestId('student-no-poll')).toBeVisible();

	await teacher.getByTestId('compose-kind-text').click();
	await teacher.getByTestId('compose-question').fill('用一个词描述分数 · One word for fractions');
	await teacher.getByTestId('compose-save').click();
	const draft = teacher.getByTestId('prepared-poll');
	await expect(draft).toHaveCount(1);
	await draft.getByTestId('prepared-open').click();
	await expect(teacher.getByTestId('poll-live')).toHaveAttribute('data-status', 'open');

	await a.getByTestId('poll-input').fill('parts');
	await expect(a.getByTestId('poll-counter')).toHaveText('5/200');
	await a.getByTestId('poll-submit').click();
	await expect(a.getByTestId('poll-received')).toContainText('parts');
	await b.getByTestId('poll-input').fill('Parts ');
	await b.getByTestId('poll-submit').click();
	await expect(b.getByTestId('poll-received')).toBeVisible();
	await expect(teacher.getByTestId('poll-texts')).toContainText(/parts/i);
	await expect(teacher.getByTestId('poll-texts')).toContainText('× 2');
	await shot(teacher, 'polls-11-teacher-text-answers');
	await teacher.getByTestId('poll-close').click();
	await expect(a.getByTestId('poll-closed')).toBeVisible();
});

test('when the teacher allows questions, a phone asks one and the teacher reads it', async () => {
	const [a] = phones as [Page, Page, Page, Page];
	await expect(a.getByTestId('student-chat')).toHaveCount(0);
	await teacher.getByTestId('student-chat-mode').selectOption('questions');
	await expect(a.getByTestId('student-chat')).toHaveAttribute('data-mode', 'questions');
	await a.getByTestId('student-chat-input').fill('为什么分母要相同？');
	await a.getByTestId('student-chat-send').click();
	await expect(teacher.getByText('为什么分母要相同？')).toBeVisible();
	await shot(a, 'polls-12-phone-question');
});

test('an anonymous multiple-choice poll shows counts only, from 3 answers on; a true/false quiz tells each phone right or wrong', async () => {
	const [a, b, c] = phones as [Page, Page, Page, Page];
	await teacher.getByTestId('poll-dismiss').click();
	await expect(a.getByTestId('student-no-poll')).toBeVisible();
	const histogram = () => teacher.locator('[data-testid="poll-histogram-row"]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-count'))));
	const pick = async (p: Page, index: number) => p.locator(`[data-testid="poll-option"][data-index="${index}"]`).click();

	await teacher.getByTestId('compose-kind-multiple').click();
	await teacher.getByTestId('compose-question').fill('Which are equal to 1/2?');
	const options = teacher.getByTestId('compose-option');
	for (const [i, text] of ['2/4', '3/6', '2/3', '5/12'].entries()) await options.nth(i).fill(text);
	await teacher.getByTestId('compose-anonymous').check();
	await teacher.getByTestId('compose-open').click();
	await expect(teacher.getByTestId('poll-live')).toHaveAttribute('data-status', 'open');
	await pick(a, 0);
	await pick(a, 1);
	await a.getByTestId('poll-submit').click();
	await expect(a.getByTestId('poll-received')).toBeVisible();
	await pick(b, 0);
	await b.getByTestId('poll-submit').click();
	await expect(b.getByTestId('poll-received')).toBeVisible();
	// Two answers in one room: no figure at all yet, for the teacher or the assistant.
	await expect(teacher.getByTestId('poll-withheld')).toBeVisible();
	await expect.poll(histogram).toEqual([0, 0, 0, 0]);
	await expect(assistant.getByTestId('assistant-withheld')).toBeVisible();
	await shot(teacher, 'polls-13a-teacher-anonymous-withheld');
	await shot(assistant, 'polls-13b-assistant-anonymous-withheld');
	await pick(c, 1);
	await c.getByTestId('poll-submit').click();
	await expect(c.getByTestId('poll-received')).toBeVisible();
	await expect.poll(histogram).toEqual([2, 2, 0, 0]);
	await expect(teacher.getByTestId('poll-withheld')).toHaveCount(0);
	// Anonymous: the assistant gets the room's counts, never who has or has not answered.
	await expect(assistant.getByTestId('assistant-answered')).toHaveAttribute('data-answered', '3');
	await expect(assistant.getByTestId('assistant-not-answered')).toHaveCount(0);
	await teacher.getByTestId('poll-close').click();
	await teacher.getByTestId('poll-dismiss').click();
	await expect(a.getByTestId('student-no-poll')).toBeVisible();

	await teacher.getByTestId('compose-kind-truefalse').click();
	await teacher.getByTestId('compose-question').fill('2/4 = 1/2');
	await teacher.getByTestId('compose-correct-tf').selectOption('true');
	await teacher.getByTestId('compose-open').click();
	await expect(teacher.getByTestId('poll-live')).toHaveAttribute('data-status', 'open');
	await pick(a, 0);
	await expect(a.getByTestId('poll-received')).toBeVisible();
	await pick(c, 1);
	await expect(c.getByTestId('poll-received')).toBeVisible();
	await expect.poll(histogram).toEqual([1, 1]);
	await teacher.getByTestId('poll-close').click();
	await teacher.getByTestId('poll-reveal').click();
	await expect(a.getByTestId('poll-verdict')).toHaveAttribute('data-verdict', 'correct');
	await expect(c.getByTestId('poll-verdict')).toHaveAttribute('data-verdict', 'wrong');
	await shot(c, 'polls-13-phone-truefalse-wrong');
});
