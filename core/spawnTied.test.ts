import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		// A zombie is dead for this purpose (its parent has not reaped it yet).
		return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
	} catch {
		return false;
	}
}

function comm(pid: number): string {
	try {
		return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
	} catch {
		return '';
	}
}

async function until(probe: () => boolean, timeoutMs: number): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (probe()) return true;
		await new Promise((r) => setTimeout(r, 50));
	}
	return probe();
}

/** A Node process that spawns `sleep 60` (tied or not), prints the sleep's pid, then waits to be killed. */
async function parentOfSleep(tied: boolean): Promise<{ parent: ReturnType<typeof spawn>; sleepPid: number }> {
	const script = tied
		? `import('${new URL('./spawnTied.ts', import.meta.url).href}').then(({ spawnTied }) => { const c = spawnTied('/usr/bin/sleep', ['60'], { stdio: 'ignore' }); console.log(c.pid); setInterval(() => {}, 1000); });`
		: `const c = require('node:child_process').spawn('/usr/bin/sleep', ['60'], { stdio: 'ignore' }); console.log(c.pid); setInterval(() => {}, 1000);`;
	const parent = spawn(process.execPath, [...(tied ? ['--import', 'tsx'] : []), '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
	const sleepPid = await new Promise<number>((resolve, reject) => {
		parent.stdout?.setEncoding('utf8').once('data', (line: string) => resolve(Number(line.trim())));
		parent.once('exit', (code) => reject(new Error(`parent exited (${code}) before spawning`)));
	});
	return { parent, sleepPid };
}

describe.runIf(process.platform === 'linux')('spawnTied', () => {
	it('a helper spawned tied dies with a parent killed by SIGKILL; an untied one outlives it', async () => {
		const tied = await parentOfSleep(true);
		const untied = await parentOfSleep(false);
		try {
			// setpriv sets the tie before it execs the command: wait for the exec.
			expect(await until(() => comm(tied.sleepPid) === 'sleep', 3_000)).toBe(true);
			expect(alive(tied.sleepPid) && alive(untied.sleepPid)).toBe(true);
			tied.parent.kill('SIGKILL');
			untied.parent.kill('SIGKILL');
			expect(await until(() => !alive(tied.sleepPid), 3_000), 'the tied helper is killed with its parent').toBe(true);
			expect(alive(untied.sleepPid), 'without the tie it outlives the parent (the control)').toBe(true);
		} finally {
			for (const pid of [tied.sleepPid, untied.sleepPid]) if (alive(pid)) process.kill(pid, 'SIGKILL');
		}
	});

	it('signals sent to the child reach the command itself (setpriv runs it in place)', async () => {
		const { spawnTied } = await import('./spawnTied.ts');
		const child = spawnTied('/usr/bin/sleep', ['60'], { stdio: 'ignore' });
		const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
		await until(() => comm(child.pid ?? 0) === 'sleep', 3_000);
		child.kill('SIGTERM');
		expect(await exited).toBe('SIGTERM');
	});

	it('a command that does not exist is the usual spawn error', async () => {
		const { spawnTied } = await import('./spawnTied.ts');
		const child = spawnTied('/nonexistent/ffmpeg', [], { stdio: 'ignore' });
		const error = await new Promise<NodeJS.ErrnoException>((r) => child.once('error', r));
		expect(error.code).toBe('ENOENT');
	});
});
