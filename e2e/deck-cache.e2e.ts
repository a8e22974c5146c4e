import { expect, test } from '@playwright/test';
import type { LessonLinks, LessonRecord } from '../protocol/index.ts';
import { makeDeck } from '../signalling/testing/pdfFixtures.ts';
import { adminApi } from './api.ts';
import { launchChromium } from './support.ts';
import { slides } from './surface-support.ts';

/**
 * Decks ahead of time: the room device fetches a new deck into Cache Storage as soon as it is
 * uploaded, and after a reload shows its pages without asking the server for the file again.
 */
test('a room device caches the lesson deck ahead and a reload shows it without fetching it again', async () => {
	const tag = Math.random().toString(36).slice(2, 6);
	const school = await adminApi<{ id: string }>('POST', '/api/schools', { name: `青山村小学 ${tag}`, locale: 'rural' });
	const classroom = await adminApi<{ id: string }>('POST', '/api/classrooms', { schoolId: school.id, name: '五年级一班' });
	const { links } = await adminApi<{ lesson: LessonRecord; links: LessonLinks }>('POST', '/api/lessons', { title: '课件缓存 · Deck cache', teacherName: '陈老师', classroomIds: [classroom.id] });
	const browser = await launchChromium();
	try {
		const teacher = await (await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' })).newPage();
		const room = await (await browser.newContext({ viewport: { width: 1280, height: 720 }, locale: 'en-US' })).newPage();
		await teacher.goto(links.teacher);
		await room.goto(links.classrooms[0]?.room ?? '');
		for (const page of [teacher, room]) await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'connected', { timeout: 30_000 });

		await teacher.getByTestId('surface-toggle').click();
		await teacher.getByTestId('deck-file-input').setInputFiles({ name: 'cached.pdf', mimeType: 'application/pdf', buffer: await makeDeck(['Cached page one', 'Cached page two']) });
		const item = teacher.getByTestId('deck-item').filter({ hasText: 'cached' });
		await expect(item).toBeVisible({ timeout: 30_000 });
		const deckId = (await item.getAttribute('data-deck')) ?? '';
		expect(deckId).not.toBe('');

		const cachedUrls = () => room.evaluate(async () => (await (await caches.open('classbridge-decks-v1')).keys()).map((r) => r.url));
		await expect.poll(async () => (await cachedUrls()).some((u) => u.includes(deckId)), { timeout: 30_000, message: 'the deck is cached on the room device before it is shown' }).toBe(true);
		await expect(room.getByTestId('deck-progress')).toHaveCount(0);
		// The slide engine is on the device before the deck is shown, so the first page turn needs no megabyte of code.
		const engineLoaded = () => room.evaluate(() => performance.getEntriesByType('resource').some((e) => /pdf\.worker/.test(e.name)));
		await expect.poll(engineLoaded, { timeout: 15_000, message: 'pdf.js worker loaded ahead' }).toBe(true);

		await room.reload();
		await expect(room.getByTestId('connection-state')).toHaveAttribute('data-state', 'connected', { timeout: 30_000 });
		await expect.poll(engineLoaded, { timeout: 15_000, message: 'pdf.js worker loaded ahead after a reload' }).toBe(true);
		const fileRequests: string[] = [];
		room.on('request', (r) => {
			if (r.url().includes(deckId) && r.url().includes('/file')) fileRequests.push(r.url());
		});
		await teacher.getByTestId(`deck-show-${deckId}`).click();
		await expect.poll(() => slides.renderedPage(room), { timeout: 30_000, message: 'page 1 on the classroom' }).toBe(1);
		expect(await slides.text(room)).toContain('Cached page one');
		await teacher.getByTestId('page-next').click();
		await expect.poll(() => slides.renderedPage(room), { timeout: 15_000 }).toBe(2);
		expect(fileRequests, 'no download of the deck after the reload').toEqual([]);
	} finally {
		await browser.close();
	}
});
