import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test, type Browser, type Locator, type Page } from '@playwright/test';
import type { EarlyWarnings, LessonDashboard, Trends } from '../protocol/index.ts';
import { adminApi } from './api.ts';
import { createRooms, runScriptedLesson, type ScriptedQuiz, type ScriptedRoom } from './analytics-support.ts';
import { launchChromium, serverInfo, SHOTS } from './support.ts';

/**
 * Analytics end to end: lessons driven through the real server by real socket.io clients (a
 * teacher, an urban and a rural room, three students each answering quizzes in known numbers),
 * then staff open the dashboards in Chromium and read the figures off the visible charts and tables.
 *
 * The lesson under test: two quizzes.
 *   Q1 "1/2 + 1/4 = ?"   urban room 2 of 3 right, rural room 1 of 3 right
 *   Q2 "2/3 or 3/5?"     urban room 1 of 3 right, rural room 3 of 3 right
 * Two earlier lessons (one quiz each): urban 2 of 3 right, rural 3 of 3 right, so over the last
 * two lessons the rural room's accuracy fell from 100% to 67% (4 of 6) and the urban room's from
 * 67% to 50%: with "fell by at least 20 points over the last 2 lessons" only the rural room warns
 * (of the rooms; some students warn too, the same students taking part in every lesson).
 */
test.describe.configure({ mode: 'serial' });

const Q1: ScriptedQuiz = { question: '1/2 + 1/4 = ?', options: ['3/4', '2/6', '1/6', '3/8'], correct: 0, answers: [[0, 0, 1], [0, 2, 3]] };
const Q2: ScriptedQuiz = { question: 'Which is larger: 2/3 or 3/5?', options: ['2/3', '3/5'], correct: 0, answers: [[0, 1, 1], [0, 0, 0]] };
const EARLIER: ScriptedQuiz = { question: '3 × 4 = ?', options: ['12', '7', '34'], correct: 0, answers: [[0, 0, 2], [0, 0, 0]] };
const TITLE = '分数加法 · Adding fractions';

let browser: Browser;
let rooms: ScriptedRoom[];
let lessonId: string;
let adminToken: string;

function shotPath(name: string): string {
	return path.join(SHOTS, `${name}.png`);
}

/** The whole page from the top (a full-page shot of a scrolled page draws the sticky header mid-page). */
async function fullShot(page: Page, name: string): Promise<void> {
	await page.evaluate(() => window.scrollTo(0, 0));
	await page.screenshot({ path: shotPath(name), fullPage: true });
}

/** The visible text of each cell in a table row (header cell first). */
async function rowTexts(row: Locator): Promise<string[]> {
	return (await row.locator('th, td').allInnerTexts()).map((text) => text.trim());
}

async function staffPage(locale: string): Promise<Page> {
	const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale, acceptDownloads: true });
	const page = await context.newPage();
	page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
	return page;
}

test.beforeAll(async () => {
	adminToken = new URL(serverInfo().adminUrl).searchParams.get('token') ?? '';
	rooms = await createRooms(Math.random().toString(36).slice(2, 6));
	await runScriptedLesson('乘法复习 · Times tables (1)', rooms, [EARLIER]);
	await runScriptedLesson('乘法复习 · Times tables (2)', rooms, [EARLIER]);
	({ lesson: { id: lessonId } } = await runScriptedLesson(TITLE, rooms, [Q1, Q2]));
	// Events reach the store in batches: wait until this lesson's answers are all there.
	await expect
		.poll(
			async () => {
				const dashboard = await adminApi<LessonDashboard>('GET', `/api/analytics/lessons/${lessonId}`).catch(() => null);
				return dashboard?.polls.map((p) => p.answered) ?? [];
			},
			{ timeout: 30_000, message: 'the lesson dashboard has both quizzes with six answers each' }
		)
		.toEqual([6, 6]);
	// The cross-lesson views read per-lesson summaries, made once a lesson has been quiet for
	// ANALYTICS_SETTLE_MS (2 s in global-setup): wait for all three lessons of the rural room.
	const rural = rooms[1]?.id ?? '';
	await expect
		.poll(
			async () => {
				const trends = await adminApi<Trends>('GET', `/api/analytics/trends?scope=classroom&classroomId=${rural}`).catch(() => null);
				return trends?.series.find((s) => s.id === rural)?.points.length ?? 0;
			},
			{ timeout: 30_000, message: 'the three lessons are summarised for the trends' }
		)
		.toBe(3);
	browser = await launchChromium();
});

test.afterAll(async () => {
	await browser?.close();
});

test('staff see the poll accuracy chart and table with the scripted numbers (English, then 中文)', async () => {
	const page = await staffPage('en-US');
	await page.goto(`${serverInfo().url}/analytics/lessons/${lessonId}?token=${adminToken}`);
	await expect(page.getByTestId('analytics-lesson-title')).toHaveText(TITLE);
	// The token leaves the address bar once read.
	await expect.poll(() => new URL(page.url()).searchParams.has('token')).toBe(false);

	const [urban, rural] = rooms as [ScriptedRoom, ScriptedRoom];
	const panel = page.locator('[data-panel="polls"]');
	await expect(panel.getByRole('heading', { name: 'Polls: participation and accuracy' })).toBeVisible();

	// The chart: an accessible image with one bar per quiz and room, labelled with the percentages.
	const chart = panel.getByRole('img', { name: 'Quiz accuracy per question and classroom' });
	await expect(chart).toBeVisible();
	await expect(chart.locator('rect.bar')).toHaveCount(4);
	await expect(chart.locator('text.value')).toHaveText(['67%', '33%', '33%', '100%']);
	await expect(panel.locator('.legend li')).toHaveText([urban.name, rural.name]);

	// The table under it: per question and room, answered of present, right of answered, accuracy.
	const table = panel.getByRole('table');
	const q1 = table.getByRole('rowgroup', { name: Q1.question });
	const q2 = table.getByRole('rowgroup', { name: Q2.question });
	expect(await rowTexts(q1.locator(`[data-classroom-id="${urban.id}"]`))).toEqual([urban.name, '3 / 3', '100%', '2 / 3', '67%']);
	expect(await rowTexts(q1.locator(`[data-classroom-id="${rural.id}"]`))).toEqual([rural.name, '3 / 3', '100%', '1 / 3', '33%']);
	expect(await rowTexts(q1.getByTestId('poll-all-row'))).toEqual(['All classrooms', '6', '—', '3 / 6', '50%']);
	expect(await rowTexts(q2.locator(`[data-classroom-id="${urban.id}"]`))).toEqual([urban.name, '3 / 3', '100%', '1 / 3', '33%']);
	expect(await rowTexts(q2.locator(`[data-classroom-id="${rural.id}"]`))).toEqual([rural.name, '3 / 3', '100%', '3 / 3', '100%']);
	expect(await rowTexts(q2.getByTestId('poll-all-row'))).toEqual(['All classrooms', '6', '—', '4 / 6', '67%']);

	// Participation is the other view of the same chart: everyone present answered both.
	await panel.getByRole('button', { name: 'Participation' }).click();
	await expect(panel.getByRole('img', { name: 'Poll participation per question and classroom' }).locator('text.value')).toHaveText(['100%', '100%', '100%', '100%']);
	await panel.getByRole('button', { name: 'Accuracy' }).click();

	// The other figures of this lesson, from the same script: six students, a hand, a chat line.
	await expect(page.locator('[data-tile="students"] dd').first()).toHaveText('6');
	const interaction = page.locator('[data-panel="interaction"]');
	await interaction.getByRole('button', { name: 'Table' }).click();
	expect(await rowTexts(interaction.getByRole('row', { name: new RegExp(urban.name) }))).toEqual([urban.name, '1', '1', '0', '0']);
	expect(await rowTexts(interaction.getByRole('row', { name: new RegExp(rural.name) }))).toEqual([rural.name, '0', '0', '1', '0']);
	await expect(page.getByTestId('score-formula')).toContainText('Presence');
	await fullShot(page, 'analytics-01-lesson-dashboard');
	await panel.screenshot({ path: shotPath('analytics-02-poll-accuracy') });

	// 中文: the same chart and numbers, with Chinese labels.
	await page.getByTestId('lang-zh-CN').click();
	const zhPanel = page.locator('[data-panel="polls"]');
	await expect(zhPanel.getByRole('heading', { name: '投票：参与率与正确率' })).toBeVisible();
	const zhChart = zhPanel.getByRole('img', { name: '各题目各教室的测验正确率' });
	await expect(zhChart.locator('text.value')).toHaveText(['67%', '33%', '33%', '100%']);
	const zhQ1 = zhPanel.getByRole('table').getByRole('rowgroup', { name: Q1.question });
	await expect(zhPanel.getByRole('columnheader', { name: '正确率' })).toBeVisible();
	expect(await rowTexts(zhQ1.locator(`[data-classroom-id="${rural.id}"]`))).toEqual([rural.name, '3 / 3', '100%', '1 / 3', '33%']);
	expect(await rowTexts(zhQ1.getByTestId('poll-all-row'))).toEqual(['全部教室', '6', '—', '3 / 6', '50%']);
	await fullShot(page, 'analytics-03-lesson-dashboard-zh');
	await page.context().close();
});

test('the overview lists the lessons, compares urban and rural, and warns about the rural room with its evidence', async () => {
	const page = await staffPage('en-US');
	await page.goto(`${serverInfo().url}/analytics?token=${adminToken}`);
	const [urban, rural] = rooms as [ScriptedRoom, ScriptedRoom];

	// Narrow to the rural school: its one room, our three lessons.
	await expect(page.getByTestId('filter-school').locator('option', { hasText: rural.schoolName })).toHaveCount(1);
	await page.getByTestId('filter-school').selectOption({ label: `${rural.schoolName} · Rural` });
	const lessonRows = page.getByTestId('analytics-lesson-row');
	await expect(lessonRows).toHaveCount(3);
	await expect(lessonRows.first()).toContainText(TITLE);
	await expect(lessonRows.first()).toContainText(urban.name);
	await expect(lessonRows.first()).toContainText(rural.name);
	// The filter is in the address: a reload shows the same view (and the admin token stays out of it).
	await expect(page).toHaveURL(/[?&]school=/);
	expect(new URL(page.url()).searchParams.has('token')).toBe(false);
	await page.reload();
	await expect(page.getByTestId('filter-school').locator('option:checked')).toHaveText(`${rural.schoolName} · Rural`);
	await expect(lessonRows).toHaveCount(3);
	await page.getByTestId('filter-school').selectOption('');

	// Early warnings over the last 2 lessons, 20 points: the rural room's accuracy fell 100% → 67%.
	await page.getByTestId('warnings-lessons').fill('2');
	await page.getByTestId('warnings-lessons').press('Enter');
	await page.getByTestId('warnings-drop').fill('20');
	await page.getByTestId('warnings-drop').press('Enter');
	const warning = page.locator(`[data-testid="warning-row"][data-kind="classroom"][data-id="${rural.id}"]`);
	await expect(warning).toHaveCount(1);
	await expect(warning).toHaveAttribute('data-metric', 'accuracy');
	expect((await rowTexts(warning)).slice(1, 5)).toEqual(['Accuracy', '100%', '67%', '33 pts']);
	await expect(warning.locator('.values li')).toHaveText(['100%', '67%']);
	await expect(warning.getByRole('img', { name: 'Accuracy per lesson: 100%, 67%' })).toBeVisible();
	await expect(page.locator(`[data-testid="warning-row"][data-kind="classroom"][data-id="${urban.id}"]`)).toHaveCount(0);
	// The same students in every lesson: those right last time and wrong once now fell 100% → 50%.
	const students = page.locator('[data-testid="warning-row"][data-kind="student"]');
	await expect(students).toHaveCount(3);
	const studentRows = await Promise.all((await students.all()).map(rowTexts));
	expect(studentRows.map((cells) => cells[0]?.replace(/^Student\s*/, '')).sort()).toEqual([`学生1-2 · ${urban.name}`, `学生2-2 · ${rural.name}`, `学生2-3 · ${rural.name}`]);
	for (const cells of studentRows) expect(cells.slice(1, 5)).toEqual(['Accuracy', '100%', '50%', '50 pts']);
	const api = await adminApi<EarlyWarnings>('GET', `/api/analytics/warnings?lessons=2&drop=0.2&classroomId=${rural.id}`);
	expect(api.warnings.filter((w) => w.kind === 'classroom').map((w) => w.id)).toEqual([rural.id]);

	// Urban vs rural on the same lessons: our three, as a chart and as a table.
	const compare = page.locator('[data-panel="compare"]');
	await expect(compare.getByRole('img', { name: 'Urban against rural rooms, lesson by lesson, and the mean' })).toBeVisible();
	await fullShot(page, 'analytics-04-overview');
	await compare.getByRole('button', { name: 'Table' }).click();
	await expect(compare.getByRole('table')).toContainText(TITLE);

	// Trends per classroom as a table: the rural room's accuracy over the three lessons.
	const trends = page.locator('[data-panel="trends"]');
	await trends.getByRole('button', { name: 'Accuracy' }).click();
	await trends.getByRole('button', { name: 'Table' }).click();
	const ruralTrend = trends.getByRole('row', { name: new RegExp(rural.name) });
	expect((await rowTexts(ruralTrend)).slice(-3)).toEqual(['100%', '100%', '67%']);
	await page.context().close();
});

test('exports: pseudonymous by default, names only after a logged confirmation; data-API tokens shown once and revoked; a purge says what goes', async () => {
	const page = await staffPage('en-US');
	await page.goto(`${serverInfo().url}/analytics/exports?lessonId=${lessonId}&token=${adminToken}`);
	const panel = page.getByTestId('export-panel');
	await expect(panel.getByTestId('export-lesson')).toHaveValue(lessonId);

	// Pseudonymous CSV, one row per lesson and student: no names in it.
	await panel.getByLabel('Per lesson and student').check();
	const [pseudo] = await Promise.all([page.waitForEvent('download'), panel.getByTestId('export-download').click()]);
	const pseudoCsv = await readFile((await pseudo.path()) ?? '', 'utf8');
	expect(pseudoCsv.split('\n').filter(Boolean).length).toBe(7);
	expect(pseudoCsv).not.toContain('学生1-1');
	await expect(panel.getByText(/Downloaded .*\.csv/)).toBeVisible();

	// With names: a confirmation that says the export is logged; cancel first, then confirm.
	await panel.getByTestId('export-names').check();
	await panel.getByTestId('export-download').click();
	const dialog = page.getByRole('dialog', { name: 'Export with student names?' });
	await expect(dialog).toBeVisible();
	await expect(dialog).toContainText('recorded in the audit log');
	await page.screenshot({ path: shotPath('analytics-05-export-confirm-names') });
	await dialog.getByRole('button', { name: 'Cancel' }).click();
	await expect(dialog).toBeHidden();
	await panel.getByTestId('export-download').click();
	const [named] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('button', { name: 'Export with names' }).click()]);
	const namedCsv = await readFile((await named.path()) ?? '', 'utf8');
	expect(namedCsv).toContain('学生1-1');
	await expect(panel.getByText('This named export was logged.')).toBeVisible();
	await expect(page.getByTestId('audit-list').locator('li').first()).toContainText('Named export');

	// A data-API token: shown once, works against the data API, then revoked.
	const tokens = page.getByTestId('tokens-panel');
	await tokens.getByTestId('token-name').fill('District data hub');
	await tokens.getByTestId('token-create').click();
	const secret = (await tokens.getByTestId('token-secret').innerText()).trim();
	expect(secret.length).toBeGreaterThan(20);
	const dataApi = (token: string) => fetch(`${serverInfo().url}/api/data/v1/lessons?limit=1`, { headers: { authorization: `Bearer ${token}` } });
	expect((await dataApi(secret)).status).toBe(200);
	await fullShot(page, 'analytics-06-exports');
	await tokens.getByRole('button', { name: 'I have copied it' }).click();
	await expect(tokens.getByTestId('token-secret')).toHaveCount(0);
	const row = tokens.getByTestId('token-row').filter({ hasText: 'District data hub' });
	await row.getByTestId('token-revoke').click();
	await page.getByRole('dialog', { name: 'Revoke this token?' }).getByRole('button', { name: 'Revoke' }).click();
	await expect(row).toContainText('Revoked');
	expect((await dataApi(secret)).status).toBe(401);

	// Retention: the confirmation says what goes and how many lessons match (none of today's).
	const retention = page.getByTestId('retention-panel');
	await retention.getByTestId('retention-days').fill('30');
	await retention.getByTestId('retention-purge').click();
	const purge = page.getByRole('dialog', { name: 'Purge lessons older than 30 days?' });
	await expect(purge).toContainText('poll answers');
	await expect(purge).toContainText('0 lessons match now.');
	await expect(purge).toContainText('cannot be undone');
	await purge.getByRole('button', { name: 'Purge for good' }).click();
	await expect(retention.getByRole('status')).toHaveText('Removed 0 events of 0 lessons.');
	await expect(page.getByTestId('audit-list').locator('li').first()).toContainText('Purge');
	const after = await adminApi<LessonDashboard>('GET', `/api/analytics/lessons/${lessonId}`);
	expect(after.polls.map((p) => p.answered)).toEqual([6, 6]);
	await page.context().close();
});
