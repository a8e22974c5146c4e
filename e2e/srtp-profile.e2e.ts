import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { createTwoRoomLesson } from './api.ts';
import { expectFlowing, launchChromium, teacherCamera } from './support.ts';

const MEDIA = path.resolve('e2e/.media');

/** Keeps every RTCPeerConnection the page makes, so the test can read its DTLS transport stats. */
function keepPeerConnections(): void {
	const Native = window.RTCPeerConnection;
	const kept: RTCPeerConnection[] = [];
	(window as unknown as { __cbPeerConnections: RTCPeerConnection[] }).__cbPeerConnections = kept;
	window.RTCPeerConnection = class extends Native {
		constructor(config?: RTCConfiguration) {
			super(config);
			kept.push(this);
		}
	} as typeof RTCPeerConnection;
}

/** The SRTP cipher of each connected DTLS transport of the page. */
async function srtpCiphers(page: Page): Promise<string[]> {
	return page.evaluate(async () => {
		const pcs = (window as unknown as { __cbPeerConnections?: RTCPeerConnection[] }).__cbPeerConnections ?? [];
		const ciphers: string[] = [];
		for (const pc of pcs) {
			if (pc.connectionState !== 'connected') continue;
			const report = await pc.getStats();
			report.forEach((s: { type: string; dtlsState?: string; srtpCipher?: string }) => {
				if (s.type === 'transport' && s.dtlsState === 'connected') ciphers.push(s.srtpCipher ?? 'none');
			});
		}
		return ciphers;
	});
}

/**
 * Which SRTP profile Chromium negotiates with this SFU, on its sending (the teacher's camera) and
 * receiving (the classroom's) transports. The worker's libsrtp is built with OpenSSL
 * (scripts/libsrtp-openssl.sh), whose AES-GCM is the cheapest suite per packet (bench:srtp), so
 * both must be AEAD-GCM: a libsrtp without GCM would fall back to AES_CM_128_HMAC_SHA1_80.
 */
test('Chromium negotiates an AEAD-GCM SRTP profile both ways', async () => {
	const { links } = await createTwoRoomLesson('SRTP profile · 加密套件');
	const teacherBrowser = await launchChromium({ video: path.join(MEDIA, 'teacher-720p.y4m'), audio: path.join(MEDIA, 'tone.wav') });
	const roomBrowser = await launchChromium({ video: path.join(MEDIA, 'room-360p.y4m'), audio: path.join(MEDIA, 'room-tone.wav') });
	try {
		const teacherContext = await teacherBrowser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
		const roomContext = await roomBrowser.newContext({ viewport: { width: 1280, height: 720 }, locale: 'zh-CN' });
		await teacherContext.addInitScript(keepPeerConnections);
		await roomContext.addInitScript(keepPeerConnections);
		const teacher = await teacherContext.newPage();
		const room = await roomContext.newPage();
		await teacher.goto(links.teacher);
		await room.goto(links.classrooms[0]?.room ?? '');
		await expect(room.getByTestId('connection-state')).toHaveAttribute('data-state', 'connected', { timeout: 30_000 });
		await expectFlowing(room, teacherCamera, 'teacher camera in the classroom', 45_000);

		// The teacher sends (its send transport) and the classroom receives (its recv transport).
		await expect.poll(async () => (await srtpCiphers(teacher)).length, { timeout: 20_000 }).toBeGreaterThan(0);
		await expect.poll(async () => (await srtpCiphers(room)).length, { timeout: 20_000 }).toBeGreaterThan(0);
		const ciphers = [...(await srtpCiphers(teacher)), ...(await srtpCiphers(room))];
		console.log(`srtp profile: Chromium negotiated ${[...new Set(ciphers)].join(', ')} on ${ciphers.length} transports`);
		for (const cipher of ciphers) expect(cipher).toMatch(/^(SRTP_)?AEAD_AES_(128|256)_GCM$/);
	} finally {
		await teacherBrowser.close();
		await roomBrowser.close();
	}
});
