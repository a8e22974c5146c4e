import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../signalling/testing/ports.ts';

export interface ServerUnderTest {
	url: string;
	adminToken: string;
	pid: number;
	child: ChildProcess;
	stop(): Promise<void>;
}

/** Starts `server.ts` as its own process (so its CPU is measured apart from the clients). */
export async function startServer(): Promise<ServerUnderTest> {
	const dataDir = await mkdtemp(path.join(tmpdir(), 'cb-bench-board-'));
	const child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
		env: {
			...process.env,
			PORT: String(await freePort()),
			HOST: '127.0.0.1',
			RTC_PORT: String(await freePort()),
			RTC_LISTEN_IP: '127.0.0.1',
			MEDIASOUP_WORKERS: '1',
			DATA_DIR: dataDir,
			LOG_LEVEL: 'warn'
		},
		stdio: ['ignore', 'pipe', 'inherit']
	});
	const admin = await new Promise<string>((resolve, reject) => {
		let out = '';
		const timer = setTimeout(() => reject(new Error(`server did not start in 60 s:\n${out}`)), 60_000);
		child.stdout?.on('data', (chunk: Buffer) => {
			out += chunk.toString();
			const match = /(http:\/\/\S+\/admin\?token=\S+)/.exec(out);
			if (match?.[1]) {
				clearTimeout(timer);
				resolve(match[1]);
			}
		});
		child.once('exit', (code) => reject(new Error(`server exited (${code}):\n${out}`)));
	});
	const adminUrl = new URL(admin);
	return {
		url: adminUrl.origin,
		adminToken: adminUrl.searchParams.get('token') ?? '',
		pid: child.pid ?? 0,
		child,
		async stop() {
			child.kill('SIGTERM');
			await new Promise((r) => child.once('exit', r));
		}
	};
}

/** User + system CPU time of a process so far, in ms (Linux /proc). */
export function processCpuMs(pid: number): number {
	const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
	const ticks = Number(fields[11]) + Number(fields[12]);
	return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

export function processRssMb(pid: number): number {
	const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:')) ?? '';
	return Number(/\d+/.exec(line)?.[0] ?? 0) / 1024;
}
