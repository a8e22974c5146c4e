import { spawn, execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../core/testing/ports.ts';

export const MEDIA_DIR = path.resolve('e2e/.media');
export const SERVER_INFO = path.resolve('test-results/e2e-server.json');

/** Test patterns (three simulcast layers need >= 960x540; two need 640x360) and tones, made by ffmpeg. */
function makeFakeMedia(): void {
	mkdirSync(MEDIA_DIR, { recursive: true });
	// 15 fps keeps three Chromiums encoding and decoding on a 2-core machine clear of CPU limits.
	// The rural scenario's three room pages send a small, slow camera: what it tests is the teacher's
	// media coming down, and three more encodes (and the teacher's three decodes) would starve the CPU.
	const videos = [
		['teacher-720p.y4m', '1280x720', 15],
		['room-360p.y4m', '640x360', 15],
		['room-180p-5fps.y4m', '320x180', 5]
	] as const;
	for (const [name, size, rate] of videos) {
		const y4m = path.join(MEDIA_DIR, name);
		if (!existsSync(y4m)) {
			execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}`, '-t', '2', '-pix_fmt', 'yuv420p', y4m]);
		}
	}
	// Speech-like teacher audio for the rural links: voiced harmonics (about 140 Hz) in 4 Hz syllables
	// with pauses. Opus codes a steady tone as inactive and adds no FEC for it; speech it protects.
	const speech = path.join(MEDIA_DIR, 'speech-like.wav');
	if (!existsSync(speech)) {
		const voice = '0.3*sin(2*PI*140*t)+0.2*sin(2*PI*280*t)+0.15*sin(2*PI*420*t)+0.1*sin(2*PI*700*t)+0.05*sin(2*PI*1100*t)';
		const expr = `gt(sin(2*PI*0.7*t)\\,-0.6)*(0.5+0.5*sin(2*PI*4*t))*(${voice})`;
		execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `aevalsrc=exprs=${expr}:s=48000:d=10`, '-ac', '1', speech]);
	}
	for (const [name, frequency] of [['tone.wav', 440], ['room-tone.wav', 660]] as const) {
		const wav = path.join(MEDIA_DIR, name);
		if (!existsSync(wav)) {
			execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=${frequency}:sample_rate=48000`, '-t', '5', '-ac', '1', wav]);
		}
	}
}

export default async function globalSetup(): Promise<() => Promise<void>> {
	makeFakeMedia();
	const dataDir = path.resolve('test-results/e2e-data');
	rmSync(dataDir, { recursive: true, force: true });
	const port = await freePort();
	const rtcPort = await freePort();
	// CB_E2E_SERVER_LOG=<file> keeps the server's log lines (with CB_E2E_SERVER_LOG_LEVEL=debug, its decisions too).
	const serverLog = process.env.CB_E2E_SERVER_LOG ? createWriteStream(process.env.CB_E2E_SERVER_LOG) : null;
	const server = spawn(path.resolve('node_modules/.bin/tsx'), ['server.ts'], {
		env: { ...process.env, PORT: String(port), HTTPS_PORT: '0', HOST: '127.0.0.1', RTC_PORT: String(rtcPort), RTC_LISTEN_IP: '127.0.0.1', MEDIASOUP_WORKERS: '1', DATA_DIR: dataDir, LOG_LEVEL: process.env.CB_E2E_SERVER_LOG_LEVEL ?? 'warn', RECONNECT_GRACE_MS: '45000', ANALYTICS_SETTLE_MS: '2000' },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let output = '';
	const adminUrl = await new Promise<string>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`server did not start in 60 s:\n${output}`)), 60_000);
		const onData = (chunk: Buffer) => {
			output += chunk.toString();
			const match = /(http:\/\/\S+\/admin\?token=\S+)/.exec(output);
			if (match?.[1]) {
				clearTimeout(timer);
				resolve(match[1]);
			}
		};
		server.stdout.on('data', onData);
		if (serverLog) server.stdout.pipe(serverLog);
		server.stderr.on('data', (chunk: Buffer) => {
			output += chunk.toString();
			process.stderr.write(chunk);
		});
		server.once('exit', (code) => reject(new Error(`server exited (${code}):\n${output}`)));
	});
	mkdirSync(path.dirname(SERVER_INFO), { recursive: true });
	writeFileSync(SERVER_INFO, JSON.stringify({ url: new URL(adminUrl).origin, adminUrl, rtcPort }));
	return async () => {
		server.kill('SIGTERM');
		await new Promise((resolve) => {
			server.once('exit', resolve);
			setTimeout(resolve, 5000);
		});
	};
}
