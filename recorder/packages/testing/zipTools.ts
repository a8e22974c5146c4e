import { generateKeyPairSync, sign } from 'node:crypto';
import yauzl from 'yauzl';
import { ZipFile } from 'yazl';
import { PACKAGE_MANIFEST_FILE, PACKAGE_SIGNATURE_FILE } from '../../../protocol/index.ts';
import { keyIdOf } from '../signingKey.ts';

/** Every entry of a zip held in memory, in order. */
export async function readZip(buf: Buffer): Promise<Map<string, Buffer>> {
	const zip = await yauzl.fromBufferPromise(buf, { lazyEntries: true });
	const out = new Map<string, Buffer>();
	await new Promise<void>((resolve, reject) => {
		zip.on('entry', (entry: yauzl.Entry) => {
			zip.openReadStreamPromise(entry).then(async (stream) => {
				const chunks: Buffer[] = [];
				for await (const chunk of stream) chunks.push(chunk as Buffer);
				out.set(entry.fileName, Buffer.concat(chunks));
				zip.readEntry();
			}, reject);
		});
		zip.once('end', () => resolve());
		zip.once('error', reject);
		zip.readEntry();
	});
	return out;
}

export async function writeZip(entries: Map<string, Buffer>): Promise<Buffer> {
	const zip = new ZipFile();
	for (const [name, data] of entries) zip.addBuffer(data, name, { compress: !/\.(webm|png|pdf)$/.test(name) });
	zip.end();
	const chunks: Buffer[] = [];
	for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

/** Signs a manifest with a fresh key that nobody trusts. */
export function signWithStrangerKey(manifest: Buffer): Buffer {
	const { privateKey, publicKey } = generateKeyPairSync('ed25519');
	const der = publicKey.export({ type: 'spki', format: 'der' });
	return Buffer.from(JSON.stringify({ alg: 'Ed25519', keyId: keyIdOf(der), publicKey: der.toString('base64'), signature: sign(null, manifest, privateKey).toString('base64') }));
}

export { PACKAGE_MANIFEST_FILE, PACKAGE_SIGNATURE_FILE };
