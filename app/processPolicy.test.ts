import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../core/testing/ports.ts';
import { startServerProcess, type ServerProcess } from './testing/serverProcess.ts';

/** Every process below `pid`, with its command line. */
function descendants(pid: number): { pid: number; command: string }[] {
	const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' })
		.split('\n')
		.map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
		.filter((m): m is RegExpExecArray => m !== null)
		.map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), command: m[3] ?? '' }));
	const found: { pid: number; command: string }[] = [];
	const walk = (parent: number) => {
		for (const row of rows.filter((r) => r.ppid === parent)) {
			found.push(row);
			walk(row.pid);
		}
	};
	walk(pid);
	return found;
}

/**
 * What ends the process and what does not: a request never does (entry.test.ts, the fuzz suite);
 * a broken invariant does, loudly, so that the service manager starts a fresh one. Here: the one
 * mediasoup worker dies and its port is taken, so no worker can ever come back.
 */
describe('a broken invariant stops the process', () => {
	let server: ServerProcess | undefined;
	const holders: (Server | dgram.Socket)[] = [];
	afterAll(async () => {
		for (const h of holders) h.close();
		await server?.stop();
	});

	it('exits with status 1 and a fatal log line when no media worker can be started again', async () => {
		const rtcPort = await freePort();
		server = await startServerProcess({ RTC_PORT: String(rtcPort) });
		const worker = descendants(server.child.pid!).find((p) => p.command.includes('mediasoup-worker'));
		expect(worker, 'the mediasoup worker process').toBeDefined();
		const exited = new Promise<number | null>((resolve) => server!.child.once('exit', (code) => resolve(code)));
		process.kill(worker!.pid, 'SIGKILL');
		// Take the worker's port, UDP and TCP, before its replacement can listen on it.
		await new Promise((r) => setTimeout(r, 30));
		const tcp = createServer();
		await new Promise<void>((resolve, reject) => tcp.once('error', reject).listen(rtcPort, '127.0.0.1', () => resolve()));
		const udp = dgram.createSocket('udp4');
		await new Promise<void>((resolve, reject) => udp.once('error', reject).bind(rtcPort, '127.0.0.1', () => resolve()));
		holders.push(tcp, udp);
		const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running'), 20_000))]);
		expect(code).toBe(1);
		expect(server.output()).toMatch(/no mediasoup worker could be started in 5 attempts/);
		expect(server.output()).toMatch(/"level":60/);
	}, 60_000);
});
