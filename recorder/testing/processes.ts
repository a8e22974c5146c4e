import { readdir, readFile } from 'node:fs/promises';

/** Ids of running processes whose command line contains every one of `parts` (Linux /proc). */
export async function pidsMatching(...parts: string[]): Promise<number[]> {
	const pids: number[] = [];
	for (const entry of await readdir('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
		if (cmdline && parts.every((p) => cmdline.includes(p))) pids.push(Number(entry));
	}
	return pids;
}
