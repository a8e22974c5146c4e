import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import type { LessonLinks, LessonRecord } from '../protocol/index.ts';
import { expectFlowing, SHOTS, teacherCamera } from './support.ts';
import {
	NET,
	adminCall,
	blockUdp,
	candidatePairs,
	describePair,
	launchInClientNs,
	inNs,
	needsRoot,
	netnsDown,
	netnsUp,
	onlyTcp443,
	openFirewall,
	spawnInNs,
	spkiOf,
	startServerInNs,
	type NsProcess,
	type NsServer,
	type SelectedPair
} from './netns-support.ts';

/**
 * A school network, for real: the server (built-in HTTPS, self-signed certificate) in one network
 * namespace, Chromium in another, reaching it at its own address, never localhost. Then the same
 * lesson with UDP blocked (ICE-TCP), and with only TCP 443 open (Debian's coturn with the shipped
 * deploy/turnserver.conf, TURN over TLS), and a page over plain http (the secure-origin notice).
 */
test.describe.configure({ mode: 'serial' });
const skipReason = needsRoot();
test.skip(skipReason !== null, skipReason ?? '');

const MEDIA = path.resolve('e2e/.media');
const TURN_SECRET = 'cb13-test-turn-secret-0123456789abcdef';
const shots = path.join(SHOTS, 'deploy');
const seen: Record<string, SelectedPair[]> = {};

let server: NsServer;
let coturn: NsProcess;
let turnDir: string;
let teacherBrowser: { browser: Browser; dispose(): Promise<void> };
let roomBrowser: { browser: Browser; dispose(): Promise<void> };
let links: LessonLinks;
let roomId: string;

const roomCamera = (s: { kind: string; source: string; classroomId: string | null }) => s.kind === 'video' && s.source === 'camera' && s.classroomId === roomId;

/** The lesson link on another origin (the browsers reach the server at its namespace address). */
const at = (link: string, origin: string) => {
	const url = new URL(link);
	return `${origin}${url.pathname}${url.search}`;
};

/** The shipped coturn config with only its site lines (marked EDIT) filled in for this network. */
function coturnConfig(certFile: string, keyFile: string): string {
	const site: Record<string, string> = {
		'listening-ip': NET.turn,
		'relay-ip': NET.turn,
		cert: certFile,
		pkey: keyFile,
		'static-auth-secret': TURN_SECRET,
		realm: 'turn.cb13.test',
		'allowed-peer-ip': NET.server,
		'log-file': 'stdout'
	};
	return readFileSync(path.resolve('deploy/turnserver.conf'), 'utf8')
		.split('\n')
		.map((line) => {
			const key = /^([a-z-]+)=/.exec(line)?.[1];
			return key && key in site ? `${key}=${site[key]}` : line;
		})
		.join('\n');
}

async function openLesson(origin: string): Promise<{ teacher: Page; room: Page }> {
	const teacher = await (await teacherBrowser.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' })).newPage();
	const room = await (await roomBrowser.browser.newContext({ viewport: { width: 1280, height: 720 }, locale: 'en-US' })).newPage();
	await teacher.goto(at(links.teacher, origin));
	await room.goto(at(links.classrooms[0]!.room, origin));
	for (const page of [teacher, room]) {
		await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'connected', { timeout: 45_000 });
	}
	return { teacher, room };
}

async function closeLesson(pages: { teacher: Page; room: Page }): Promise<void> {
	for (const page of [pages.teacher, pages.room]) await page.context().close();
}

/** Both ways decode, and every media transport of both pages runs over a pair that `fits`. */
async function expectMediaOver(pages: { teacher: Page; room: Page }, label: string, fits: (p: SelectedPair) => boolean): Promise<void> {
	await expectFlowing(pages.room, teacherCamera, `${label}: teacher camera at the classroom`, 45_000);
	await expectFlowing(pages.teacher, roomCamera, `${label}: classroom camera at the teacher`, 45_000);
	const pairs: SelectedPair[] = [];
	for (const page of [pages.teacher, pages.room]) {
		await expect.poll(async () => (await candidatePairs(page)).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
		pairs.push(...(await candidatePairs(page)));
	}
	seen[label] = pairs;
	console.log(`${label}:\n  ${pairs.map(describePair).join('\n  ')}`);
	for (const pair of pairs) expect(fits(pair), `${label}: ${describePair(pair)}`).toBe(true);
}

test.beforeAll(async () => {
	test.setTimeout(150_000);
	netnsUp();
	server = await startServerInNs({ TURN_URLS: `turns:${NET.turn}:443?transport=tcp`, TURN_SECRET });
	const certFile = path.join(server.dataDir, 'tls', 'self-signed.crt');
	const keyFile = path.join(server.dataDir, 'tls', 'self-signed.key');
	turnDir = mkdtempSync(path.join(tmpdir(), 'cb13-turn-'));
	writeFileSync(path.join(turnDir, 'turnserver.conf'), coturnConfig(certFile, keyFile));
	coturn = spawnInNs(NET.serverNs, 'turnserver', ['-c', path.join(turnDir, 'turnserver.conf'), '--pidfile', path.join(turnDir, 'turnserver.pid')]);
	// Only TCP 443 reaches the app as well: the school firewall case reaches https://server/ on 443.
	inNs(NET.serverNs, ['iptables', '-t', 'nat', '-A', 'PREROUTING', '-d', NET.server, '-p', 'tcp', '--dport', '443', '-j', 'REDIRECT', '--to-ports', '3443']);
	await coturn.waitFor(/listener opened on : ?10\.213\.0\.3:443|TLS.*443/i, 30_000).catch(() => undefined);
	const school = await adminCall<{ id: string }>(server, 'POST', '/api/schools', { name: '山谷小学 netns', locale: 'rural' });
	roomId = (await adminCall<{ id: string }>(server, 'POST', '/api/classrooms', { schoolId: school.id, name: '六年级' })).id;
	({ links } = await adminCall<{ lesson: LessonRecord; links: LessonLinks }>(server, 'POST', '/api/lessons', { title: '校园网 · School network', teacherName: '王老师', classroomIds: [roomId] }));
	const spki = spkiOf(certFile);
	teacherBrowser = await launchInClientNs([spki], { video: path.join(MEDIA, 'teacher-720p.y4m'), audio: path.join(MEDIA, 'tone.wav') });
	roomBrowser = await launchInClientNs([spki], { video: path.join(MEDIA, 'room-360p.y4m'), audio: path.join(MEDIA, 'room-tone.wav') });
});

test.afterAll(async () => {
	if (Object.keys(seen).length) writeFileSync(path.resolve('test-results/netns-candidate-pairs.json'), JSON.stringify(seen, null, 2));
	await teacherBrowser?.dispose();
	await roomBrowser?.dispose();
	await coturn?.stop();
	await server?.stop();
	if (turnDir) rmSync(turnDir, { recursive: true, force: true });
	netnsDown();
});

test('over https to the server namespace address: teacher and classroom decode each other on a host UDP pair', async () => {
	openFirewall();
	const pages = await openLesson(`https://${NET.server}:3443`);
	expect(await pages.teacher.evaluate(() => window.isSecureContext)).toBe(true);
	await expect(pages.teacher.getByTestId('secure-origin-notice')).toHaveCount(0);
	await expectMediaOver(pages, 'host UDP', (p) => p.localType === 'host' && p.localProtocol === 'udp' && p.remoteType === 'host' && p.remoteAddress === NET.server);
	await closeLesson(pages);
});

test('a page over plain http on the namespace address says why the camera is blocked, and a classroom there still receives', async () => {
	openFirewall();
	const teacher = await (await teacherBrowser.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' })).newPage();
	await teacher.goto(at(links.teacher, `https://${NET.server}:3443`));
	const room = await (await roomBrowser.browser.newContext({ viewport: { width: 1280, height: 720 }, locale: 'zh-CN' })).newPage();
	await room.goto(at(links.classrooms[0]!.room, `http://${NET.server}:3000`));
	expect(await room.evaluate(() => window.isSecureContext)).toBe(false);
	const notice = room.getByTestId('secure-origin-notice');
	await expect(notice).toBeVisible({ timeout: 30_000 });
	await expect(notice).toHaveAttribute('data-kind', 'insecure');
	await expect(notice).toContainText('https');
	await expect(room.getByTestId('secure-origin-link')).toHaveAttribute('href', new RegExp(`^https://${NET.server.replaceAll('.', '\\.')}:3443/live\\?t=`));
	await expectFlowing(room, teacherCamera, 'teacher camera at a classroom over plain http', 45_000);
	await room.screenshot({ path: path.join(shots, 'insecure-context-classroom-zh.png') });
	await room.evaluate(() => localStorage.setItem('classbridge.locale', 'en'));
	await room.reload();
	await expect(room.getByTestId('secure-origin-notice')).toContainText('Camera and microphone are blocked', { timeout: 30_000 });
	await expect(room.getByTestId('connection-state')).toHaveAttribute('data-state', 'connected', { timeout: 45_000 });
	await expectFlowing(room, teacherCamera, 'teacher camera at a classroom over plain http, after a reload', 45_000);
	await room.screenshot({ path: path.join(shots, 'insecure-context-classroom-en.png') });
	await room.context().close();
	await teacher.context().close();
});

test('UDP (and TURN) blocked between the namespaces: media flows over ICE-TCP', async () => {
	blockUdp();
	const pages = await openLesson(`https://${NET.server}:3443`);
	await expectMediaOver(
		pages,
		'host TCP (UDP blocked)',
		// An active TCP candidate shows as host or, learned from the check, peer-reflexive.
		(p) => (p.localType === 'host' || p.localType === 'prflx') && p.localProtocol === 'tcp' && p.remoteType === 'host' && p.remoteProtocol === 'tcp' && p.remoteAddress === NET.server
	);
	await closeLesson(pages);
	openFirewall();
});

test('only TCP 443 open: media flows through coturn (shipped config) over TURN/TLS', async () => {
	expect(coturn.child.exitCode, `coturn is running:\n${coturn.output().slice(-2000)}`).toBeNull();
	onlyTcp443();
	const pages = await openLesson(`https://${NET.server}`);
	await expectMediaOver(pages, 'relay TLS (only TCP 443)', (p) => p.localType === 'relay' && p.relayProtocol === 'tls' && p.remoteAddress === NET.server);
	await closeLesson(pages);
	openFirewall();
});
