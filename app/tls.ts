import { X509Certificate, createHash } from 'node:crypto';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generate } from 'selfsigned';
import { writeFileAtomic } from '../core/writeFileAtomic.ts';
import { moduleLogger } from '../core/logger.ts';

const log = moduleLogger('tls');

/** A self-signed certificate is made again this long before it expires. */
const RENEW_BEFORE_MS = 30 * 86_400_000;
const VALID_DAYS = 825;

export interface TlsMaterial {
	key: string;
	cert: string;
	/** SHA-256 of the certificate, as browsers show it (AB:CD:…). */
	fingerprint256: string;
	/** base64 SHA-256 of the public key (what Chromium's --ignore-certificate-errors-spki-list takes). */
	spkiSha256: string;
	/** Made by us (DATA_DIR/tls), not given by TLS_CERT/TLS_KEY. */
	selfSigned: boolean;
	certFile: string;
	keyFile: string;
}

/** The names and addresses other machines may use for this one: every SAN of the self-signed certificate. */
export function machineNames(): { dns: string[]; ips: string[] } {
	const dns = [...new Set(['localhost', os.hostname()].filter(Boolean))];
	const ips = new Set<string>(['127.0.0.1', '::1']);
	for (const list of Object.values(os.networkInterfaces())) {
		for (const a of list ?? []) if (!a.address.startsWith('fe80:')) ips.add(a.address);
	}
	return { dns, ips: [...ips] };
}

function describe(cert: string, key: string, selfSigned: boolean, certFile: string, keyFile: string): TlsMaterial {
	const x509 = new X509Certificate(cert);
	const spki = x509.publicKey.export({ type: 'spki', format: 'der' });
	return { key, cert, fingerprint256: x509.fingerprint256, spkiSha256: createHash('sha256').update(spki).digest('base64'), selfSigned, certFile, keyFile };
}

/** The certificate and key from TLS_CERT/TLS_KEY, or the self-signed pair in `dataDir/tls` (made on first start). */
export async function loadTls(dataDir: string, given: { certFile: string | null; keyFile: string | null }): Promise<TlsMaterial> {
	if (given.certFile && given.keyFile) {
		const [cert, key] = await Promise.all([readFile(given.certFile, 'utf8'), readFile(given.keyFile, 'utf8')]);
		return describe(cert, key, false, path.resolve(given.certFile), path.resolve(given.keyFile));
	}
	const dir = path.join(dataDir, 'tls');
	const certFile = path.join(dir, 'self-signed.crt');
	const keyFile = path.join(dir, 'self-signed.key');
	const names = machineNames();
	const existing = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]).catch(() => null);
	if (existing) {
		const [cert, key] = existing;
		if (stillFits(cert, names.ips)) return describe(cert, key, true, certFile, keyFile);
		log.info('self-signed certificate expiring or missing an address of this machine: making a new one');
	}
	const now = new Date();
	const pems = await generate([{ name: 'commonName', value: `Classbridge on ${os.hostname()}` }], {
		keyType: 'ec',
		curve: 'P-256',
		algorithm: 'sha256',
		notBeforeDate: new Date(now.getTime() - 3_600_000),
		notAfterDate: new Date(now.getTime() + VALID_DAYS * 86_400_000),
		extensions: [
			{ name: 'basicConstraints', cA: false },
			{ name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
			{ name: 'extKeyUsage', serverAuth: true },
			{ name: 'subjectAltName', altNames: [...names.dns.map((value) => ({ type: 2 as const, value })), ...names.ips.map((ip) => ({ type: 7 as const, ip }))] }
		]
	});
	await mkdir(dir, { recursive: true, mode: 0o700 });
	// The folder is the owner's alone (0700); the key file is made so too.
	await writeFileAtomic(keyFile, pems.private);
	await chmod(keyFile, 0o600);
	await writeFileAtomic(certFile, pems.cert);
	return describe(pems.cert, pems.private, true, certFile, keyFile);
}

/** Not near its end, and every current address of the machine is among its SANs (a LAN box's address may change). */
function stillFits(cert: string, ips: string[]): boolean {
	try {
		const x509 = new X509Certificate(cert);
		if (Date.parse(x509.validTo) - Date.now() < RENEW_BEFORE_MS) return false;
		return ips.every((ip) => x509.checkIP(ip) !== undefined);
	} catch {
		return false;
	}
}
