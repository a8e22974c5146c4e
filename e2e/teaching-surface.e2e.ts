import path from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import type { LessonLinks, LessonRecord } from '../protocol/index.ts';
import { makeDeck } from '../signalling/testing/pdfFixtures.ts';
import { adminApi } from './api.ts';
import { launchChromium, shot } from './support.ts';
import { board, boardPoint, dragOnBoard, expectShape, selfId, slideCanvasSize, slides } from './surface-support.ts';

const MEDIA = path.resolve('e2e/.media');

/**
 * The teaching surface end to end: the teacher uploads a PDF, shows it and turns pages; the
 * classroom screen renders the page (canvas and text layer) with the tldraw board over it; drawing
 * flows both ways once the teacher grants the pen and is refused by the server after a revoke; a
 * reload brings page and board back.
 */
test.describe.configure({ mode: 'serial' });

let teacherBrowser: Browser;
let roomBrowser: Browser;
let teacher: Page;
let room: Page;
let links: LessonLinks;
let deckId = '';
let teacherRect = '';

const PAGES = ['Page one: what is a fraction', 'Page two: halves and quarters', 'Page three: compare fractions'];

test.beforeAll(async () => {
	const tag = Math.random().toString(36).slice(2, 6);
	const school = await adminApi<{ id: string }>('POST', '/api/schools', { name: `青山村小学 ${tag}`, locale: 'rural' });
	const classroom = await adminApi<{ id: string }>('POST', '/api/classrooms', { schoolId: school.id, name: '五年级一班' });
	({ links } = await adminApi<{ lesson: LessonRecord; links: LessonLinks }>('POST', '/api/lessons', {
		title: '分数 · Fractions',
		teacherName: '陈老师',
		classroomIds: [classroom.id]
	}));
	teacherBrowser = await launchChromium({ video: path.join(MEDIA, 'teacher-720p.y4m'), audio: path.join(MEDIA, 'tone.wav') });
	roomBrowser = await launchChromium({ video: path.join(MEDIA, 'room-360p.y4m'), audio: path.join(MEDIA, 'room-tone.wav') });
	teacher = await (await teacherBrowser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' })).newPage();
	// A high-density screen: the slide must be drawn at twice its CSS size to stay sharp.
	room = await (await roomBrowser.newContext({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 2, locale: 'en-US' })).newPage();
	await teacher.goto(links.teacher);
	await room.goto(links.classrooms[0]?.room ?? '');
	for (const page of [teacher, room]) {
		await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'connected', { timeout: 30_000 });
	}
});

test.afterAll(async () => {
	await teacherBrowser?.close();
	await roomBrowser?.close();
});

test('the teacher uploads a PDF deck; a file that is no PDF gets a clear message', async () => {
	await teacher.getByTestId('surface-toggle').click();
	const input = teacher.getByTestId('deck-file-input');

	await input.setInputFiles({ name: 'notes.pdf', mimeType: 'application/pdf', buffer: Buffer.from('just some text, not a PDF') });
	const refused = teacher.getByTestId('upload-error');
	await expect(refused).toHaveAttribute('data-code', 'not_pdf');
	await expect(refused).toContainText('不是 PDF');

	await input.setInputFiles({ name: '分数 第一课.pdf', mimeType: 'application/pdf', buffer: await makeDeck(PAGES) });
	const item = teacher.getByTestId('deck-item').filter({ hasText: '分数 第一课' });
	await expect(item).toBeVisible({ timeout: 30_000 });
	await expect(item).toContainText('3 页');
	deckId = (await item.getAttribute('data-deck')) ?? '';
	expect(deckId).not.toBe('');
	await expect(item.locator('img')).toHaveJSProperty('complete', true);
	await expect.poll(() => item.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
	await shot(teacher, 'surface-teacher-uploaded');
});

test('the teacher shows the deck and turns to page 2: the classroom renders page 2 with its text', async () => {
	await teacher.getByTestId(`deck-show-${deckId}`).click();
	await expect(room.getByTestId('surface')).toHaveAttribute('data-view', 'deck');
	await expect.poll(() => slides.renderedPage(room), { timeout: 30_000, message: 'page 1 on the classroom' }).toBe(1);

	await teacher.getByTestId('page-next').click();
	await expect(room.getByTestId('surface')).toHaveAttribute('data-page', '2');
	await expect.poll(() => slides.renderedPage(room), { timeout: 15_000, message: 'page 2 on the classroom' }).toBe(2);
	// The text layer follows the canvas by a moment.
	await expect.poll(() => slides.text(room), { timeout: 10_000 }).toContain('halves and quarters');
	expect(await slides.text(room)).not.toContain('what is a fraction');

	// Crisp at the screen's real resolution: backing store = CSS width × devicePixelRatio.
	const size = await slideCanvasSize(room);
	expect(size.dpr).toBe(2);
	expect(Math.abs(size.width - size.cssWidth * size.dpr)).toBeLessThanOrEqual(2);

	// Keyboard and the thumbnails strip turn pages too.
	await teacher.keyboard.press('ArrowRight');
	await expect(room.getByTestId('surface')).toHaveAttribute('data-page', '3');
	await teacher.locator('[data-testid="thumb"][data-page="2"]').click();
	await expect(room.getByTestId('surface')).toHaveAttribute('data-page', '2');
	await expect.poll(() => slides.renderedPage(room), { timeout: 15_000 }).toBe(2);
	await shot(room, 'surface-classroom-page-2');
	await shot(teacher, 'surface-teacher-page-2');
});

test("the teacher draws a rectangle with tldraw's tools and the classroom's board has it", async () => {
	await expect.poll(() => board.id(teacher), { timeout: 20_000 }).toBe(`d_${deckId}_2`);
	await expect.poll(() => board.id(room), { timeout: 20_000 }).toBe(`d_${deckId}_2`);
	const before = new Set((await board.shapes(teacher)).map((s) => s.id));
	await dragOnBoard(teacher, 'rectangle', [0.2, 0.2], [0.45, 0.5]);
	await expect.poll(async () => (await board.shapes(teacher)).filter((s) => !before.has(s.id)).length).toBe(1);
	const drawn = (await board.shapes(teacher)).find((s) => !before.has(s.id));
	expect(drawn?.type).toBe('geo');
	teacherRect = drawn?.id ?? '';
	await expectShape(room, teacherRect, 'the teacher’s rectangle on the classroom board');
	// Read-only: the classroom's board has no tools.
	expect(await board.canDraw(room)).toBe(false);
	await expect(room.locator('[data-testid="tools.rectangle"]')).toHaveCount(0);

	// A pen stroke streams to the classroom while it is drawn, with the teacher's cursor.
	const known = new Set((await board.shapes(room)).map((s) => s.id));
	await teacher.locator('[data-testid="tools.draw"]').click();
	await teacher.mouse.move(...(await boardPoint(teacher, 0.55, 0.3)));
	await teacher.mouse.down();
	for (let i = 1; i <= 10; i++) await teacher.mouse.move(...(await boardPoint(teacher, 0.55 + i * 0.025, 0.3 + Math.sin(i / 2) * 0.08)));
	await expect
		.poll(async () => (await board.shapes(room)).some((s) => s.type === 'draw' && !known.has(s.id)), { timeout: 5_000, message: 'stroke before pen-up' })
		.toBe(true);
	await expect(room.locator('.tl-collaborator__cursor')).toHaveCount(1);
	await shot(room, 'surface-classroom-teacher-drawing');
	await teacher.mouse.up();
	// The classroom only watches: the teacher sees no cursor of it.
	await expect(teacher.locator('.tl-collaborator__cursor')).toHaveCount(0);
	await shot(room, 'surface-classroom-teacher-drew');
});

test('a granted classroom draws and the teacher sees it; after the revoke the server refuses its edit', async () => {
	const roomId = (await selfId(room)) ?? '';
	const toggle = teacher.getByTestId(`draw-toggle-${roomId}`);
	await toggle.click();
	await expect(toggle).toHaveAttribute('aria-pressed', 'true');
	await expect.poll(() => board.canDraw(room), { timeout: 20_000, message: 'the classroom gets the pen' }).toBe(true);
	await expect(room.getByTestId('can-draw-banner')).toBeVisible();

	const before = new Set((await board.shapes(room)).map((s) => s.id));
	await dragOnBoard(room, 'draw', [0.55, 0.6], [0.8, 0.75]);
	await expect.poll(async () => (await board.shapes(room)).filter((s) => !before.has(s.id)).length).toBe(1);
	const stroke = (await board.shapes(room)).find((s) => !before.has(s.id))?.id ?? '';
	await expectShape(teacher, stroke, 'the classroom’s stroke at the teacher');
	await shot(room, 'surface-classroom-granted');
	await shot(teacher, 'surface-teacher-sees-classroom');

	await toggle.click();
	await expect(toggle).toHaveAttribute('aria-pressed', 'false');
	await expect.poll(() => board.canDraw(room), { timeout: 20_000, message: 'the pen is taken back' }).toBe(false);
	await expect(room.locator('[data-testid="tools.rectangle"]')).toHaveCount(0);
	const refused = await board.createRect(room, 900, 200, 200, 150);
	expect(refused).not.toBe('');
	await expect(room.getByText('drawing is not allowed for you')).toBeVisible({ timeout: 10_000 });
	await expectShape(room, refused, 'the refused shape rolls back on the classroom', { gone: true });
	// Never at the teacher: give it the time a real edit takes to arrive, then check.
	await teacher.waitForTimeout(1500);
	expect((await board.shapes(teacher)).some((s) => s.id === refused)).toBe(false);
	await shot(room, 'surface-classroom-refused');
});

test('the classroom reloads and has the page and the board at once', async () => {
	const shapes = (await board.shapes(teacher)).map((s) => s.id).sort();
	await room.reload();
	await expect(room.getByTestId('connection-state')).toHaveAttribute('data-state', 'connected', { timeout: 30_000 });
	await expect.poll(() => slides.renderedPage(room), { timeout: 30_000 }).toBe(2);
	// The text layer follows the canvas by a moment.
	await expect.poll(() => slides.text(room), { timeout: 10_000 }).toContain('halves and quarters');
	await expect.poll(async () => (await board.shapes(room)).map((s) => s.id).sort(), { timeout: 20_000 }).toEqual(shapes);
	expect(shapes).toContain(teacherRect);
	await shot(room, 'surface-classroom-after-reload');
});

test('the teacher saves the page with its drawing as a PNG', async () => {
	const [download] = await Promise.all([teacher.waitForEvent('download'), teacher.getByTestId('board-export').click()]);
	expect(download.suggestedFilename()).toBe('分数 第一课-p2.png');
	const png = await (await download.createReadStream()).toArray();
	const bytes = Buffer.concat(png as Buffer[]);
	expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
	// 960 × 540 pt at 2 px per point.
	expect(bytes.readUInt32BE(16)).toBe(1920);
	expect(bytes.readUInt32BE(20)).toBe(1080);
});

test('a blank board: shown white to the classroom, cleared by the teacher', async () => {
	await teacher.getByTestId('blank-add').click();
	await expect(room.getByTestId('surface')).toHaveAttribute('data-view', 'blank');
	await expect.poll(() => board.id(room), { timeout: 20_000 }).toMatch(/^b_/);
	// The teacher's own board has switched to the blank page too before drawing (on a busy machine it lags).
	const blankId = await board.id(room);
	await expect.poll(() => board.id(teacher), { timeout: 20_000 }).toBe(blankId);
	const id = await board.createRect(teacher, 300, 200, 500, 300);
	await expectShape(room, id, 'a shape on the blank board at the classroom');
	teacher.once('dialog', (dialog) => void dialog.accept());
	await teacher.getByTestId('board-clear').click();
	await expectShape(room, id, 'the cleared shape leaves the classroom', { gone: true });
	await shot(room, 'surface-classroom-blank-cleared');
	// Back to the deck: its page and drawing are still there.
	await teacher.getByTestId(`deck-show-${deckId}`).click();
	await expect(room.getByTestId('surface')).toHaveAttribute('data-page', '2');
	await expectShape(room, teacherRect, 'the deck page keeps its drawing');
});
