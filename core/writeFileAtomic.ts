import { rename, writeFile } from 'node:fs/promises';

/**
 * Replaces a file so a reader (or a crash) sees the old content or the new, never half of it:
 * written next to it, then renamed over it.
 */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
	const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
	await writeFile(tmp, text);
	await rename(tmp, file);
}
