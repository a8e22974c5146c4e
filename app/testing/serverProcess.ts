import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../core/testing/ports.ts';

/** The real `server.ts` as its own process, as a service manager runs it (with the web build when there is one). */
export interface ServerProcess {
	url: string;
	adminToken: string;
	dataDir: string;
	/** Where its media worker listens for WebRTC (UDP and TCP). */
	rtcPort: number;
	child: ChildProcess;
	/** Everything the process wrote, stdout and stderr. */
	output(): string;
	/** True while the process has not exited. */
	alive(): boolean;
	/** kill -9 of the server and the process tsx runs it in (its own process group), as a crash or power loss. */
	kill(): Promise<void>;
	stop(): Promise<void>;
}

/** With `dataDir`, the server runs on that folder and leaves it in place when stopped (the caller owns it). */
export async function startServerProcess(env: Record<string, string> = {}, options: { dataDir?: string } = {}): Promise<ServerProcess> {
	const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'cb-proc-')));
	const port = await freePort();
	const rtcPort = env.RTC_PORT ? Number(env.RTC_PORT) : await freePort();
	const child = spawn(path.resolve('node_modules/.bin/tsx'), ['server.ts'], {
		env: {
			...process.env,
			VITEST: '',
			PORT: String(port),
			HTTPS_PORT: 'off',
			HOST: '127.0.0.1',
			RTC_PORT: String(rtcPort),
			RTC_LISTEN_IP: '127.0.0.1',
			MEDIASOUP_WORKERS: '1',
			DATA_DIR: dataDir,
			LOG_LEVEL: 'info',
			ANALYTICS_FILE: ':memory:',
			...env
		},
		stdio: ['ignore', 'pipe', 'pipe'],
		// Its own process group: kill() reaches the node process tsx starts, not only tsx.
		detached: true
	});
	let output = '';
	let exited = false;
	child.on('exit', () => (exited = true));
	child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	const adminUrl = await new Promise<string>((resolve, reject) => {
		const started = Date.now();
		const poll = setInterval(() => {
			const match = /(http:\/\/\S+\/admin\?token=\S+)/.exec(output);
			if (match?.[1]) {
				clearInterval(poll);
				resolve(match[1]);
			} else if (exited || Date.now() - started > 60_000) {
				clearInterval(poll);
				reject(new Error(`server process did not start:\n${output.slice(-4000)}`));
			}
		}, 50);
	});
	return {
		url: `http://127.0.0.1:${port}`,
		adminToken: new URL(adminUrl).searchParams.get('token') ?? '',
		dataDir,
		rtcPort,
		child,
		output: () => output,
		alive: () => !exited,
		async kill() {
			if (exited || child.pid === undefined) return;
			const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
			process.kill(-child.pid, 'SIGKILL');
			await gone;
		},
		async stop() {
			if (!exited) {
				child.kill('SIGTERM');
				await new Promise<void>((resolve) => {
					child.once('exit', () => resolve());
					setTimeout(() => {
						child.kill('SIGKILL');
						resolve();
					}, 6000);
				});
			}
			if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
		}
	};
}
