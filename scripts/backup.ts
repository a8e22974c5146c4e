// `npm run backup -- <folder>`: a consistent copy of the data folder (stop the server first).
import path from 'node:path';
import { loadConfig } from '../app/config.ts';
import { backupDataDir } from '../app/ops/backup.ts';

const destination = process.argv[2];
if (!destination) {
	process.stderr.write('usage: npm run backup -- <new backup folder>\n');
	process.exit(2);
}
try {
	const config = loadConfig();
	const manifest = await backupDataDir(config, path.resolve(process.env.INIT_CWD ?? process.cwd(), destination));
	const bytes = manifest.files.reduce((n, f) => n + f.bytes, 0);
	process.stdout.write(`backup: ${manifest.files.length} files, ${(bytes / 1048576).toFixed(1)} MiB from ${config.dataDir} in ${path.resolve(process.env.INIT_CWD ?? process.cwd(), destination)}\n`);
} catch (error) {
	process.stderr.write(`backup: ${(error as Error).message}\n`);
	process.exit(1);
}
