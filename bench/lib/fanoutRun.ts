import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Runs bench/fanout.ts once as its own process (its own worker(s), its own measurement windows)
 * with `env` on top of this one's, leaving BENCHMARKS.md alone, and returns the JSON it wrote to `out`.
 */
export function runFanout<T = Record<string, unknown>>(env: Record<string, string>, out: string): T {
	const result = spawnSync(process.execPath, ['--import', 'tsx', resolve(ROOT, 'bench/fanout.ts')], {
		cwd: ROOT,
		env: { ...process.env, FANOUT_UPDATE_DOC: '0', ...env, FANOUT_OUT: out },
		stdio: ['ignore', 'inherit', 'inherit']
	});
	if (result.status !== 0) throw new Error(`bench/fanout.ts ${JSON.stringify(env)} failed (exit ${String(result.status)})`);
	return JSON.parse(readFileSync(out, 'utf8')) as T;
}
