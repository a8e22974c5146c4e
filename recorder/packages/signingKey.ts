import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { moduleLogger } from '../../core/logger.ts';
import type { PackageSignature } from '../../protocol/index.ts';

const log = moduleLogger('recorder:signing');

export const SIGNING_KEY_FILE = 'package-signing.pem';

/** This server's Ed25519 package key: made once in the data folder, kept as PKCS#8 PEM (mode 0600). */
export class PackageSigningKey {
	readonly #private: KeyObject;
	/** Base64 DER SPKI, the form TRUSTED_PACKAGE_KEYS lists. */
	readonly publicKey: string;
	readonly keyId: string;

	private constructor(privateKey: KeyObject) {
		this.#private = privateKey;
		const der = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
		this.publicKey = der.toString('base64');
		this.keyId = keyIdOf(der);
	}

	static async open(dataDir: string): Promise<PackageSigningKey> {
		const file = path.join(dataDir, SIGNING_KEY_FILE);
		try {
			return new PackageSigningKey(createPrivateKey(await readFile(file, 'utf8')));
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
		}
		const { privateKey } = generateKeyPairSync('ed25519');
		const tmp = `${file}.${process.pid}.tmp`;
		await writeFile(tmp, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
		await rename(tmp, file);
		const key = new PackageSigningKey(privateKey);
		log.info({ keyId: key.keyId }, 'package signing key created');
		return key;
	}

	sign(manifestBytes: Buffer): PackageSignature {
		return { alg: 'Ed25519', keyId: this.keyId, publicKey: this.publicKey, signature: sign(null, manifestBytes, this.#private).toString('base64') };
	}

	/** A salt for the package pseudonyms, stable for this server and secret. */
	pseudonymSalt(): string {
		return createHash('sha256').update(this.#private.export({ type: 'pkcs8', format: 'der' })).update('classbridge package pseudonyms v1').digest('hex');
	}
}

export function keyIdOf(spkiDer: Buffer): string {
	return createHash('sha256').update(spkiDer).digest('hex').slice(0, 16);
}

/** True when `signature` is a valid signature of `bytes` by the base64 SPKI key. */
export function verifySignature(publicKeyB64: string, bytes: Buffer, signatureB64: string): boolean {
	try {
		const key = createPublicKey({ key: Buffer.from(publicKeyB64, 'base64'), format: 'der', type: 'spki' });
		if (key.asymmetricKeyType !== 'ed25519') return false;
		return verify(null, bytes, key, Buffer.from(signatureB64, 'base64'));
	} catch {
		return false;
	}
}
