import { expect, test } from '@playwright/test';
import { launchChromium, serverInfo, shot } from './support.ts';

/**
 * Staff sign-in in the browser: the prompt (laptop in English, tablet in Chinese), a refused token, a
 * pasted admin link that signs in, no token in localStorage and no cookie readable by scripts, and
 * sign-out that survives a reload.
 */
test('staff sign in by pasting the admin link; nothing readable is stored; sign out', async () => {
	const browser = await launchChromium();
	for (const [w, h, locale] of [[1366, 768, 'en-US'], [1024, 768, 'zh-CN']] as const) {
		const page = await (await browser.newContext({ viewport: { width: w, height: h }, locale })).newPage();
		await page.goto(`${serverInfo().url}/admin`);
		await expect(page.getByTestId('staff-sign-in')).toBeVisible();
		await shot(page, `staff-signin-${w}`);
		await page.getByTestId('admin-token').fill('not-a-token');
		await page.getByTestId('admin-token').press('Enter');
		await expect(page.getByRole('alert')).toBeVisible();
		await shot(page, `staff-signin-refused-${w}`);
		await page.getByTestId('admin-token').fill(serverInfo().adminUrl);
		await page.getByTestId('admin-token').press('Enter');
		await expect(page.getByTestId('create-lesson')).toBeVisible();
		expect(await page.evaluate(() => JSON.stringify(localStorage))).toBe('{}');
		expect(await page.evaluate(() => document.cookie)).toBe('');
		await shot(page, `staff-signed-in-${w}`);
		await page.getByRole('button', { name: /Sign out|退出登录/ }).click();
		await expect(page.getByTestId('staff-sign-in')).toBeVisible();
		await page.reload();
		await expect(page.getByTestId('staff-sign-in')).toBeVisible();
	}
	await browser.close();
});
