import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import type { LessonLinks, LessonRecord } from '../protocol/index.ts';
import { expectFlowing, SHOTS } from './support.ts';
import {
	NET,
	candidatePairs,
	describePair,
	launchInClientNs,
	needsRoot,
	netnsDown,
	netnsUp,
	spawnInNs,
	spkiOf,
	startServerInNs,
	type NsProcess,
	type NsServer
} from './netns-support.ts';

/**
 * Behind Debian's Caddy with the shipped deploy/Caddyfile: the server in its namespace speaks plain
 * HTTP on 127.0.0.1 only to Caddy (HTTPS_PORT=off, TRUST_PROXY=1); Caddy serves https://<address>/
 * with its internal CA (a bare IP gets no ACME certificate), which the test's Chromium trusts by key.
 */
test.describe.configure({ mode: 'serial' });
const skipReason = needsRoot() ?? (existsSync('/usr/bin/caddy') ? null : 'Debian caddy is not installed');
test.skip(skipReason !== null, skipReason ?? '');

const MEDIA = path.resolve('e2e/.media');
const ORIGIN = `https://${NET.server}`;
let server: NsServer;
let caddy: NsProcess;
let caddyHome: string;
let teacherBrowser: { browser: Browser; dispose(): Promise<void> };
let roomBrowser: { browser: Browser; dispose(): Promise<void> };
let admin: Page;
let links: LessonLinks;
let roomId: string;

test.beforeAll(async () => {
	test.setTimeout(150_000);
	netnsUp();
	server = await startServerInNs({ HTTPS_PORT: 'off', TRUST_PROXY: '1' });
	caddyHome = mkdtempSync(path.join(tmpdir(), 'cb13-caddy-'));
	caddy = spawnInNs(NET.serverNs, '/usr/bin/caddy', ['run', '--config', path.resolve('deploy/Caddyfile'), '--adapter', 'caddyfile'], {
		CLASSBRIDGE_DOMAIN: NET.server,
		HOME: caddyHome,
		XDG_DATA_HOME: path.join(caddyHome, 'data'),
		XDG_CONFIG_HOME: path.join(caddyHome, 'config')
	});
	await caddy.waitFor(/serving initial configuration/, 30_000);
	const pki = path.join(caddyHome, 'data', 'caddy', 'pki', 'authorities', 'local');
	await expect.poll(() => existsSync(path.join(pki, 'intermediate.crt')), { timeout: 20_000 }).toBe(true);
	const trusted = [spkiOf(path.join(pki, 'root.crt')), spkiOf(path.join(pki, 'intermediate.crt'))];
	teacherBrowser = await launchInClientNs(trusted, { video: path.join(MEDIA, 'teacher-720p.y4m'), audio: path.join(MEDIA, 'tone.wav') });
	roomBrowser = await launchInClientNs(trusted, { video: path.join(MEDIA, 'room-360p.y4m'), audio: path.join(MEDIA, 'room-tone.wav') });
});

test.afterAll(async () => {
	await teacherBrowser?.dispose();
	await roomBrowser?.dispose();
	await caddy?.stop();
	await server?.stop();
	if (caddyHome) rmSync(caddyHome, { recursive: true, force: true });
	netnsDown();
});

test('the admin page works through Caddy, and lesson links carry the proxy’s https origin', async () => {
	admin = await (await teacherBrowser.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' })).newPage();
	await admin.goto(`${ORIGIN}/admin?token=${server.adminToken}`);
	expect(await admin.evaluate(() => window.isSecureContext)).toBe(true);
	await expect(admin.locator('body')).not.toContainText('not found');
	const made = await admin.evaluate(async (token) => {
		const post = async (route: string, body: unknown) => {
			const res = await fetch(route, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
			if (!res.ok) throw new Error(`${route}: ${res.status}`);
			return res.json();
		};
		const school = await post('/api/schools', { name: '河边小学 Caddy', locale: 'rural' });
		const room = await post('/api/classrooms', { schoolId: school.id, name: '四年级' });
		return { roomId: room.id as string, ...(await post('/api/lessons', { title: '经过代理 · Behind Caddy', teacherName: '李老师', classroomIds: [room.id] })) };
	}, server.adminToken);
	roomId = made.roomId;
	links = (made as unknown as { links: LessonLinks; lesson: LessonRecord }).links;
	expect(links.teacher.startsWith(`${ORIGIN}/live?t=`), links.teacher).toBe(true);
	expect(links.classrooms[0]!.room.startsWith(`${ORIGIN}/live?t=`)).toBe(true);
	await admin.reload();
	await expect(admin.getByText('经过代理 · Behind Caddy').first()).toBeVisible({ timeout: 20_000 });
	await admin.screenshot({ path: path.join(SHOTS, 'deploy', 'admin-behind-caddy.png') });
});

test('a lesson behind Caddy: socket.io, the board WebSocket and media all work', async () => {
	const teacher = await (await teacherBrowser.browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' })).newPage();
	const room = await (await roomBrowser.browser.newContext({ viewport: { width: 1280, height: 720 }, locale: 'zh-CN' })).newPage();
	await teacher.goto(links.teacher);
	await room.goto(links.classrooms[0]!.room);
	for (const page of [teacher, room]) await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'connected', { timeout: 45_000 });
	await expectFlowing(room, (s) => s.kind === 'video' && s.source === 'camera' && !s.classroomId, 'teacher camera at the classroom via Caddy', 45_000);
	await expectFlowing(teacher, (s) => s.kind === 'video' && s.source === 'camera' && s.classroomId === roomId, 'classroom camera at the teacher via Caddy', 45_000);
	// The board: the teacher shows a blank board (socket.io through Caddy), and the board's own
	// WebSocket (/board, tldraw sync) upgrades through Caddy with the lesson token.
	const boardId = await teacher.evaluate(async () => {
		const api = (window as unknown as { __classbridge: { request(n: string, p: unknown): Promise<{ id: string }> } }).__classbridge;
		const blank = await api.request('board.addBlank', {});
		await api.request('surface.show', { view: { kind: 'blank', boardId: blank.id } });
		return blank.id;
	});
	expect(boardId).toBeTruthy();
	await expect(room.getByTestId('surface')).toHaveAttribute('data-view', 'blank', { timeout: 20_000 });
	const upgraded = await room.evaluate(
		(token) =>
			new Promise<string>((resolve) => {
				const ws = new WebSocket(`wss://${location.host}/board?t=${encodeURIComponent(token)}&sessionId=cb13caddy&storeId=cb13caddy`);
				ws.onopen = () => {
					resolve('open');
					ws.close();
				};
				ws.onerror = () => resolve('error');
				setTimeout(() => resolve('timeout'), 15_000);
			}),
		new URL(links.classrooms[0]!.room).searchParams.get('t') ?? ''
	);
	expect(upgraded).toBe('open');
	const pairs = [...(await candidatePairs(teacher)), ...(await candidatePairs(room))];
	console.log(`behind Caddy:\n  ${pairs.map(describePair).join('\n  ')}`);
	await teacher.screenshot({ path: path.join(SHOTS, 'deploy', 'lesson-behind-caddy-teacher.png') });
	await room.screenshot({ path: path.join(SHOTS, 'deploy', 'lesson-behind-caddy-classroom.png') });
	expect(caddy.child.exitCode, 'Caddy still serving').toBeNull();
});
