import { randomUUID } from 'node:crypto';
import type { ApiTokenInfo, CreatedApiToken } from '../protocol/index.ts';
import { AnalyticsError } from './AnalyticsError.ts';
import type { AnalyticsStore } from './AnalyticsStore.ts';
import type { AuditLog } from './AuditLog.ts';

/** Signs an API token for an id (TokenService.signApi). */
export type SignApiToken = (tokenId: string) => Promise<string>;

/**
 * The data hub's API tokens: staff issue (the token is shown once, only its id is kept), list and
 * revoke them. A token is accepted while its id is here and not revoked.
 */
export class ApiTokenRegistry {
	readonly #store: AnalyticsStore;
	readonly #sign: SignApiToken;
	readonly #audit: AuditLog;
	/** Ids known live, so the data API does not query the store on every request. */
	#live: Set<string> | null = null;

	constructor(store: AnalyticsStore, sign: SignApiToken, audit: AuditLog) {
		this.#store = store;
		this.#sign = sign;
		this.#audit = audit;
	}

	async create(name: string): Promise<CreatedApiToken> {
		const id = `tok_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
		const createdAt = Date.now();
		const token = await this.#sign(id);
		await this.#store.exec('INSERT INTO api_tokens VALUES ($1, $2, $3, NULL, NULL)', [id, name, BigInt(createdAt)]);
		this.#live = null;
		await this.#audit.record('token.created', `${id} "${name}"`);
		return { info: { id, name, createdAt, revokedAt: null, lastUsedAt: null }, token };
	}

	async list(): Promise<ApiTokenInfo[]> {
		const rows = await this.#store.all<{ id: string; name: string; created_at: number; revoked_at: number | null; last_used_at: number | null }>(
			'SELECT * FROM api_tokens ORDER BY created_at DESC'
		);
		return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, revokedAt: r.revoked_at, lastUsedAt: r.last_used_at }));
	}

	async revoke(id: string): Promise<ApiTokenInfo> {
		const changed = await this.#store.exec('UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [id, BigInt(Date.now())]);
		const info = (await this.list()).find((t) => t.id === id);
		if (!info) throw new AnalyticsError('not_found', `no API token ${id}`);
		this.#live = null;
		if (changed > 0) await this.#audit.record('token.revoked', id);
		return info;
	}

	/** Whether a signed token's id is live; notes when it was last used. */
	async accept(id: string): Promise<boolean> {
		this.#live ??= new Set((await this.#store.all<{ id: string }>('SELECT id FROM api_tokens WHERE revoked_at IS NULL')).map((r) => r.id));
		if (!this.#live.has(id)) return false;
		void this.#store.exec('UPDATE api_tokens SET last_used_at = $2 WHERE id = $1', [id, BigInt(Date.now())]).catch(() => undefined);
		return true;
	}
}
