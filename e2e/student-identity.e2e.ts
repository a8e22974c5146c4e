import path from 'node:path';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import type { LessonLinks } from '../protocol/index.ts';
import { createTwoRoomLesson } from './api.ts';
import { launchChromium, serverInfo, shot } from './support.ts';

const MEDIA = path.resolve('e2e/.media');

/**
 * A name on the class list that a phone holds cannot be taken by another phone with the code: the
 * second phone waits for the assistant, who approves (the phone is in) or denies (it is told no and
 * the real student stays). The teacher sees the same requests. Typed names can be removed.
 */
test.describe.configure({ mode: 'serial' });

let browser: Browser;
const contexts: BrowserContext[] = [];
let teacher: Page;
let assistant: Page;
let links: LessonLinks;
let rooms: string[];

async function page(options: Parameters<Browser['newContext']>[0]): Promise<Page> {
	const context = await browser.newContext(options);
	contexts.push(context);
	return context.newPage();
}

const phone = (locale = 'zh-CN') => page({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale });

async function pickName(p: Page, code: string, name: string): Promise<void> {
	await p.goto(`${serverInfo().url}/join/${code}`);
	await p.locator(`[data-testid="join-pick"][data-name="${name}"]`).click();
}

test.beforeAll(async () => {
	({ links, rooms } = await createTwoRoomLesson('植物的一生 · Life of a plant'));
	browser = await launchChromium({ video: path.join(MEDIA, 'room-360p.y4m'), audio: path.join(MEDIA, 'tone.wav') });
	teacher = await page({ viewport: { width: 1366, height: 768 }, locale: 'en-US' });
	assistant = await page({ viewport: { width: 1024, height: 768 }, deviceScaleFactor: 2, hasTouch: true, locale: 'zh-CN' });
	await teacher.goto(links.teacher);
	await assistant.goto(links.classrooms[0]?.assistant ?? '');
	for (const p of [teacher, assistant]) {
		await expect(p.getByTestId('connection-state')).toHaveAttribute('data-state', 'connected', { timeout: 30_000 });
	}
	await teacher.evaluate(
		([classroomId]) =>
			(window as unknown as { __classbridge: { request(n: string, p: unknown): Promise<unknown> } }).__classbridge.request('classList.add', {
				classroomId,
				names: ['王小明', '李华', '赵敏']
			}),
		[rooms[0]] as const
	);
});

test.afterAll(async () => {
	for (const c of contexts) await c.close().catch(() => {});
	await browser?.close();
});

test('a second phone picking a held name waits; the assistant approves; the phone is in', async () => {
	const code = links.classrooms[0]?.joinCode ?? '';
	const real = await phone();
	await pickName(real, code, '王小明');
	await expect(real.getByTestId('student-live')).toContainText('王小明');

	const second = await phone();
	await pickName(second, code, '王小明');
	await expect(second.getByTestId('claim-wait')).toBeVisible();
	await expect(second.getByTestId('claim-name')).toHaveText('王小明');
	await expect(second.getByTestId('claim-wait')).toContainText('五年级一班');
	await shot(second, 'identity-01-phone-waiting');

	// The real student is still in while the request waits.
	await expect(real.getByTestId('student-live')).toBeVisible();

	const card = assistant.locator('[data-testid="claim-card"][data-name="王小明"]');
	await expect(card).toBeVisible();
	await shot(assistant, 'identity-02-tablet-approval-card');
	const teacherCard = teacher.locator('[data-testid="claim-card"][data-name="王小明"]');
	await expect(teacherCard).toBeVisible();
	await expect(teacherCard).toContainText('五年级一班');
	await shot(teacher, 'identity-03-teacher-pending-claims');

	await card.getByTestId('claim-approve').click();
	await expect(second.getByTestId('student-live')).toContainText('王小明');
	await expect(card).toHaveCount(0);
	await expect(teacherCard).toHaveCount(0);
	// The approved phone is that student now; the old phone is told it was opened elsewhere.
	await expect(real.getByTestId('student-notice')).toBeVisible();
	// A reload of the approved phone keeps who it is.
	await second.reload();
	await expect(second.getByTestId('student-live')).toContainText('王小明');
});

test('denied: the waiting phone is told no and the real student stays in', async () => {
	const code = links.classrooms[0]?.joinCode ?? '';
	const real = await phone();
	await pickName(real, code, '李华');
	await expect(real.getByTestId('student-live')).toContainText('李华');

	const other = await phone('en-US');
	await pickName(other, code, '李华');
	await expect(other.getByTestId('claim-wait')).toBeVisible();
	await expect(other.getByTestId('claim-wait')).toContainText('Ask your assistant to confirm it is you');
	await shot(other, 'identity-04-phone-waiting-en');

	const card = assistant.locator('[data-testid="claim-card"][data-name="李华"]');
	await card.getByTestId('claim-deny').click();
	await expect(other.getByTestId('student-notice')).toContainText('did not confirm you as 李华');
	await expect(other.getByTestId('join-pick').first()).toBeVisible();
	await shot(other, 'identity-05-phone-denied');
	await expect(real.getByTestId('student-live')).toContainText('李华');
	await expect(real.getByTestId('student-notice')).toHaveCount(0);
});

test('a waiting phone can cancel; the card goes away', async () => {
	const code = links.classrooms[0]?.joinCode ?? '';
	const real = await phone();
	await pickName(real, code, '赵敏');
	await expect(real.getByTestId('student-live')).toBeVisible();
	const other = await phone();
	await pickName(other, code, '赵敏');
	const card = assistant.locator('[data-testid="claim-card"][data-name="赵敏"]');
	await expect(card).toBeVisible();
	await other.getByTestId('claim-cancel').click();
	await expect(other.getByTestId('join-pick').first()).toBeVisible();
	await expect(card).toHaveCount(0);
});

test('the assistant removes a typed name from the class list', async () => {
	const code = links.classrooms[0]?.joinCode ?? '';
	for (const name of ['张伟', '刘洋', '捣乱的名字']) {
		const p = await phone();
		await p.goto(`${serverInfo().url}/join/${code}`);
		await p.getByTestId('join-name-input').fill(name);
		await p.getByTestId('join-submit').click();
		await expect(p.getByTestId('student-live')).toBeVisible();
	}
	const junk = assistant.locator('[data-testid="roster-unlisted"][data-name="捣乱的名字"]');
	await junk.scrollIntoViewIfNeeded();
	await expect(junk).toBeVisible();
	await expect(assistant.getByTestId('roster-remove-all')).toBeVisible();
	await shot(assistant, 'identity-06-tablet-roster-remove');
	await junk.getByTestId('roster-remove').click();
	await expect(junk).toHaveCount(0);
	await expect(assistant.locator('[data-testid="roster-unlisted"][data-name="张伟"]')).toBeVisible();
});
