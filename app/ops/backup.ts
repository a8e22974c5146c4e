import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { checkpointStoreFile } from '../../analytics/checkpoint.ts';
import { BackupManifestSchema, type BackupManifest } from '../../protocol/index.ts';
import type { Config } from '../config.ts';

export const BACKUP_MANIFEST = 'backup-manifest.json';
/** An analytics store kept outside the data folder (ANALYTICS_FILE) travels under this name. */
const EXTERNAL_ANALYTICS = 'external/analytics.duckdb';

/**
 * Left out of a backup: the store's write-ahead log (folded in by the checkpoint first), half-written
 * temporary files, the health probe, and staff exports (made again from the store on demand).
 */
function skipped(relative: string): boolean {
	return /\.wal$/.test(relative) || /\.tmp$/.test(relative) || /(^|\/)\.healthz-/.test(relative) || relative.startsWith('analytics/exports/');
}

async function sha256(file: string): Promise<string> {
	const hash = createHash('sha256');
	for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
	return hash.digest('hex');
}

async function listFiles(root: string, under = ''): Promise<string[]> {
	const found: string[] = [];
	for (const entry of await readdir(path.join(root, under), { withFileTypes: true })) {
		const relative = under ? `${under}/${entry.name}` : entry.name;
		if (entry.isDirectory()) found.push(...(await listFiles(root, relative)));
		else if (entry.isFile() && !skipped(relative)) found.push(relative);
	}
	return found;
}

/**
 * A consistent copy of the data folder in `destination` (a new folder): the analytics store
 * checkpointed into one file, then the catalog, signing secret and staff keys, decks, boards, poll
 * drafts and lesson packages, each with its SHA-256 in backup-manifest.json. The server must be
 * stopped (the store is refused while a server holds it).
 */
export async function backupDataDir(config: Pick<Config, 'dataDir' | 'analytics'>, destination: string): Promise<BackupManifest> {
	if (!existsSync(config.dataDir)) throw new Error(`no data folder at ${config.dataDir}`);
	if (existsSync(destination) && (await readdir(destination)).length > 0) throw new Error(`${destination} exists and is not empty`);
	const store = config.analytics.file;
	if (store !== ':memory:') await checkpointStoreFile(store);
	await mkdir(destination, { recursive: true, mode: 0o700 });
	// The secret and staff keys are in it: only the owner may read the backup.
	await chmod(destination, 0o700);
	const inside = store !== ':memory:' && path.relative(config.dataDir, store).split(path.sep)[0] !== '..';
	const copies: { from: string; to: string }[] = (await listFiles(config.dataDir)).map((relative) => ({ from: path.join(config.dataDir, relative), to: relative }));
	if (store !== ':memory:' && !inside && existsSync(store)) copies.push({ from: store, to: EXTERNAL_ANALYTICS });
	const files: BackupManifest['files'] = [];
	for (const { from, to } of copies) {
		const target = path.join(destination, to);
		await mkdir(path.dirname(target), { recursive: true });
		await copyFile(from, target);
		files.push({ path: to, bytes: (await stat(target)).size, sha256: await sha256(target) });
	}
	const manifest: BackupManifest = {
		format: 'classbridge-backup',
		version: 1,
		createdAt: Date.now(),
		analyticsFile: store === ':memory:' ? null : inside ? path.relative(config.dataDir, store).split(path.sep).join('/') : EXTERNAL_ANALYTICS,
		files
	};
	await writeFile(path.join(destination, BACKUP_MANIFEST), `${JSON.stringify(manifest, null, '\t')}\n`, { mode: 0o600 });
	return manifest;
}

/**
 * Puts a backup back as the data folder, which must not exist yet or be empty. Every file's checksum
 * is checked first; the copy is made beside the data folder and renamed into place, so that a failed
 * restore leaves no half data folder.
 */
export async function restoreDataDir(config: Pick<Config, 'dataDir' | 'analytics'>, source: string): Promise<BackupManifest> {
	let raw: unknown;
	try {
		raw = JSON.parse(await readFile(path.join(source, BACKUP_MANIFEST), 'utf8'));
	} catch (error) {
		throw new Error(`${source} is not a Classbridge backup (no readable ${BACKUP_MANIFEST}: ${(error as Error).message})`);
	}
	const parsed = BackupManifestSchema.safeParse(raw);
	if (!parsed.success) throw new Error(`${BACKUP_MANIFEST} is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
	const manifest = parsed.data;
	for (const file of manifest.files) {
		const at = path.join(source, file.path);
		if (!existsSync(at)) throw new Error(`the backup lacks ${file.path}`);
		if ((await sha256(at)) !== file.sha256) throw new Error(`${file.path} in the backup is damaged (checksum differs)`);
	}
	const target = config.dataDir;
	if (existsSync(target) && (await readdir(target)).length > 0) throw new Error(`the data folder ${target} is not empty: move it away first`);
	const external = manifest.analyticsFile === EXTERNAL_ANALYTICS;
	if (external && config.analytics.file === ':memory:') throw new Error('the backup holds an analytics store kept outside the data folder: set ANALYTICS_FILE to where it goes');
	if (external && existsSync(config.analytics.file)) throw new Error(`${config.analytics.file} exists: move it away first`);
	const staging = `${target}.restoring-${process.pid}`;
	await rm(staging, { recursive: true, force: true });
	try {
		for (const file of manifest.files.filter((f) => f.path !== EXTERNAL_ANALYTICS)) {
			const to = path.join(staging, file.path);
			await mkdir(path.dirname(to), { recursive: true });
			await copyFile(path.join(source, file.path), to);
		}
		await mkdir(staging, { recursive: true });
		if (existsSync(target)) await rmdir(target);
		await mkdir(path.dirname(target), { recursive: true });
		await rename(staging, target);
	} catch (error) {
		await rm(staging, { recursive: true, force: true });
		throw error;
	}
	if (external) {
		await mkdir(path.dirname(config.analytics.file), { recursive: true });
		await copyFile(path.join(source, EXTERNAL_ANALYTICS), config.analytics.file);
	}
	return manifest;
}
