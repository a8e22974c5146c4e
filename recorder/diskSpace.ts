import { statfs } from 'node:fs/promises';

/** Bytes an unprivileged process may still write on the filesystem holding `dir`. */
export async function freeBytes(dir: string): Promise<number> {
	const info = await statfs(dir);
	return info.bavail * info.bsize;
}
