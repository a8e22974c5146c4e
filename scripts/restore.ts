// `npm run restore -- <backup folder>`: puts a backup back as DATA_DIR (which must be empty or absent).
import path from 'node:path';
import { loadConfig } from '../app/config.ts';
import { restoreDataDir } from '../app/ops/backup.ts';

const source = process.argv[2];
if (!source) {
	process.stderr.write('usage: npm run restore -- <backup folder>   (restores into DATA_DIR, default ./data)\n');
	process.exit(2);
}
try {
	const config = loadConfig();
	const manifest = await restoreDataDir(config, path.resolve(process.env.INIT_CWD ?? process.cwd(), source));
	process.stdout.write(`restore: ${manifest.files.length} files checked and restored into ${config.dataDir} (backup of ${new Date(manifest.createdAt).toISOString()})\n`);
} catch (error) {
	process.stderr.write(`restore: ${(error as Error).message}\n`);
	process.exit(1);
}
