import { existsSync } from 'node:fs';
import path from 'node:path';
import { AdminGeneration } from './AdminGeneration.ts';
import { loadOrCreateSecret } from './secret.ts';
import { StaffAuth } from './StaffAuth.ts';
import { TokenService } from './TokenService.ts';

/** The settings an admin link needs (a subset of app/config's Config). */
export interface AdminLinkSettings {
	dataDir: string;
	publicUrl: string | undefined;
	port: number;
	adminTokenTtlDays: number;
}

/**
 * `npm run admin-link`: starts a new admin-link generation in the data folder and returns a link of
 * it. Every older admin link and every staff session made from one stops working, on running
 * servers too (they re-check the generation file within about a second).
 */
export async function issueAdminLink(config: AdminLinkSettings): Promise<string> {
	if (!existsSync(path.join(config.dataDir, 'secret.key'))) {
		throw new Error(`no Classbridge data folder at ${config.dataDir} (no secret.key): start the server once, or set DATA_DIR`);
	}
	const { secret } = await loadOrCreateSecret(config.dataDir);
	await AdminGeneration.rotate(config.dataDir);
	const auth = await StaffAuth.open(config.dataDir, new TokenService(secret));
	const token = await auth.adminToken(Date.now() + config.adminTokenTtlDays * 86_400_000);
	return `${config.publicUrl ?? `http://localhost:${config.port}`}/admin?token=${token}`;
}
