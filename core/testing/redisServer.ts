import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './ports.ts';

export interface RedisServerHandle {
	url: string;
	stop(): Promise<void>;
}

/** Starts a real redis-server (Debian package) on a free loopback port (or this one) for one test file. */
export async function startRedisServer(port?: number): Promise<RedisServerHandle> {
	port ??= await freePort();
	const dir = await mkdtemp(path.join(tmpdir(), 'cb-redis-'));
	const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
		stdio: ['ignore', 'pipe', 'pipe']
	});
	await new Promise<void>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error('redis-server did not start in 10 s')), 10_000);
		child.once('error', (error) => {
			clearTimeout(timer);
			reject(new Error(`cannot start redis-server (apt-get install redis-server): ${error.message}`));
		});
		child.stdout?.on('data', (chunk: Buffer) => {
			if (chunk.toString().includes('Ready to accept connections')) {
				clearTimeout(timer);
				resolve();
			}
		});
	});
	return {
		url: `redis://127.0.0.1:${port}`,
		async stop() {
			child.kill('SIGTERM');
			await new Promise((resolve) => child.once('exit', resolve));
			await rm(dir, { recursive: true, force: true });
		}
	};
}
