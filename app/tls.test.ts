import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTls, machineNames } from './tls.ts';
import { startTestApp } from './testing/harness.ts';

const dirs: string[] = [];
const tempDir = async () => {
	const dir = await mkdtemp(path.join(tmpdir(), 'cb-tls-'));
	dirs.push(dir);
	return dir;
};
afterAll(async () => {
	for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('TLS', () => {
	it('makes a self-signed certificate once, with the machine’s names and addresses, and keeps it', async () => {
		const dir = await tempDir();
		const first = await loadTls(dir, { certFile: null, keyFile: null });
		expect(first.selfSigned).toBe(true);
		const x509 = new X509Certificate(first.cert);
		for (const ip of machineNames().ips) expect(x509.checkIP(ip), ip).toBe(ip);
		expect(x509.checkHost('localhost')).toBe('localhost');
		expect(first.fingerprint256).toBe(x509.fingerprint256);
		expect((await stat(first.keyFile)).mode & 0o777).toBe(0o600);
		const again = await loadTls(dir, { certFile: null, keyFile: null });
		expect(again.fingerprint256).toBe(first.fingerprint256);
		// TLS_CERT/TLS_KEY given: those are used as they are.
		const given = await loadTls(await tempDir(), { certFile: first.certFile, keyFile: first.keyFile });
		expect(given.selfSigned).toBe(false);
		expect(given.spkiSha256).toBe(first.spkiSha256);
	});

	it('serves the same routes and socket.io over HTTPS on HTTPS_PORT', async () => {
		const app = await startTestApp({ HTTPS_PORT: '0' });
		try {
			expect(app.app.https).not.toBeNull();
			const https = app.app.https!;
			const get = (route: string) =>
				new Promise<{ status: number; body: string }>((resolve, reject) => {
					const req = request({ host: '127.0.0.1', port: https.port, path: route, ca: https.tls.cert, servername: 'localhost' }, (res) => {
						let body = '';
						res.on('data', (c: Buffer) => (body += c.toString()));
						res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
					});
					req.on('error', reject);
					req.end();
				});
			expect((await get('/healthz')).status).toBe(200);
			const polling = await get('/socket.io/?EIO=4&transport=polling');
			expect(polling.status).toBe(200);
			expect(polling.body).toContain('"sid"');
		} finally {
			await app.stop();
		}
	}, 60_000);
});
