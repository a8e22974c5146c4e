import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The token-signing secret: 32 random bytes in DATA_DIR/secret.key, made on first start. */
export async function loadOrCreateSecret(dataDir: string): Promise<{ secret: Uint8Array; created: boolean }> {
	const file = path.join(dataDir, 'secret.key');
	try {
		const hex = (await readFile(file, 'utf8')).trim();
		if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${file} is not a 64-hex-digit key`);
		return { secret: Buffer.from(hex, 'hex'), created: false };
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
	}
	await mkdir(dataDir, { recursive: true });
	const secret = randomBytes(32);
	await writeFile(file, secret.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
	return { secret, created: true };
}
