import { expect, test } from '@playwright/test';
import { launchChromium, serverInfo, shot } from './support.ts';

/** The first teacher builds the catalog and a lesson in the admin UI and gets every link. */
test('admin: add schools and classrooms inline, create a lesson, see its links', async () => {
	const browser = await launchChromium();
	try {
		const page = await (await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' })).newPage();
		await page.goto(serverInfo().adminUrl);
		await expect(page).not.toHaveURL(/token=/);

		const tag = Math.random().toString(36).slice(2, 6);
		await page.getByTestId('new-school-name').fill(`北京市第一实验小学 ${tag}`);
		await page.getByTestId('new-school-locale').selectOption('urban');
		await page.getByTestId('add-school').click();
		await page.getByTestId('new-school-name').fill(`云岭村小学 ${tag}`);
		await page.getByTestId('new-school-locale').selectOption('rural');
		await page.getByTestId('add-school').click();

		const catalog = async () => {
			const res = await fetch(`${serverInfo().url}/api/catalog`, {
				headers: { authorization: `Bearer ${new URL(serverInfo().adminUrl).searchParams.get('token')}` }
			});
			return (await res.json()) as { schools: { id: string; name: string; locale: string }[]; classrooms: { id: string; schoolId: string; name: string }[] };
		};
		await expect.poll(async () => (await catalog()).schools.filter((s) => s.name.endsWith(tag)).length).toBe(2);
		const rural = (await catalog()).schools.find((s) => s.name === `云岭村小学 ${tag}`);
		expect(rural?.locale).toBe('rural');

		for (const name of ['三年级', '四年级']) {
			await page.getByTestId('new-classroom-school').selectOption(rural?.id ?? '');
			await page.getByTestId('new-classroom-name').fill(name);
			await page.getByTestId('add-classroom').click();
			await expect.poll(async () => (await catalog()).classrooms.some((c) => c.schoolId === rural?.id && c.name === name)).toBe(true);
		}
		const ruralRooms = (await catalog()).classrooms.filter((c) => c.schoolId === rural?.id);

		await page.getByTestId('lesson-title').fill('植物的一生 · Life of a plant');
		await page.getByTestId('teacher-name').fill('王老师');
		for (const room of ruralRooms) await page.getByTestId(`classroom-option-${room.id}`).check();
		await shot(page, 'admin-new-lesson-zh');
		await page.getByTestId('create-lesson').click();

		await expect(page.getByTestId('link-teacher')).toBeVisible({ timeout: 15_000 });
		for (const room of ruralRooms) {
			await expect(page.getByTestId(`link-room-${room.id}`)).toHaveAttribute('href', /\/live\?t=/);
			await expect(page.getByTestId(`link-assistant-${room.id}`)).toHaveAttribute('href', /\/live\?t=/);
			await expect(page.getByTestId(`join-code-${room.id}`)).toHaveText(/[A-HJ-NP-Z2-9]{6}/);
		}
		await expect(page.getByTestId('link-observer')).toHaveAttribute('href', /\/live\?t=/);
		await shot(page, 'admin-lesson-links-zh');

		// Each link is scoped: the room link of classroom 0 is a classroom token for that room.
		const roomHref = (await page.getByTestId(`link-room-${ruralRooms[0]?.id}`).getAttribute('href')) ?? '';
		const session = await (await fetch(`${serverInfo().url}/api/session?t=${new URL(roomHref).searchParams.get('t')}`)).json();
		expect(session).toMatchObject({ role: 'classroom', classroomId: ruralRooms[0]?.id });

		const english = await (await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-US' })).newPage();
		await english.goto(serverInfo().adminUrl);
		await expect(english.getByTestId('create-lesson')).toBeVisible();
		await shot(english, 'admin-home-en');
	} finally {
		await browser.close();
	}
});

test('a link with a bad token shows a clear reason instead of the lesson', async () => {
	const browser = await launchChromium();
	try {
		const page = await (await browser.newContext({ locale: 'en-US' })).newPage();
		await page.goto(`${serverInfo().url}/live?t=not-a-real-token`);
		await expect(page.getByText(/not valid|无效/i).first()).toBeVisible({ timeout: 15_000 });
		await shot(page, 'live-bad-token-en');
	} finally {
		await browser.close();
	}
});
