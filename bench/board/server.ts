import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../core/testing/ports.ts';
import { processCpuMs as procCpuMs, processRssMb as procRssMb } from '../fanout/stats.ts';

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
			HTTPS_PORT: 'off',
			HOST: '127.0.0.1',
			RTC_PORT: String(await freePort()),
			RTC_LISTEN_IP: '127.0.0.1',
			MEDIASOUP_WORKERS: '1',
			DATA_DIR: dataDir,
			LOG_LEVEL: 'warn',
			// The benches drive hundreds of clients through one link and one teacher: per-participant rates off.
			REQUEST_RATE_SCALE: '1000'
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

/** CPU time (ms) of the server process so far; NaN when /proc cannot be read. */
export function processCpuMs(pid: number): number {
	return procCpuMs(pid) ?? NaN;
}

/** Resident memory (MiB) of the server process; NaN when /proc cannot be read. */
export function processRssMb(pid: number): number {
	return procRssMb(pid) ?? NaN;
}
