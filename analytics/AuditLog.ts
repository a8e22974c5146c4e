import type { AuditRecord } from '../protocol/index.ts';
import { moduleLogger } from '../core/logger.ts';
import type { AnalyticsStore } from './AnalyticsStore.ts';

const log = moduleLogger('analytics-audit');

/** Staff actions that touch personal data or remove data: a row in the store and a log line each. */
export class AuditLog {
	readonly #store: AnalyticsStore;

	constructor(store: AnalyticsStore) {
		this.#store = store;
	}

	async record(action: AuditRecord['action'], detail: string): Promise<void> {
		await this.#store.exec('INSERT INTO audit VALUES ($1, $2, $3)', [BigInt(Date.now()), action, detail]);
		log.warn({ action, detail }, 'analytics audit');
	}

	async list(limit = 200): Promise<AuditRecord[]> {
		return this.#store.all<AuditRecord>(`SELECT at_ms AS "at", action, detail FROM audit ORDER BY at_ms DESC LIMIT ${Math.floor(limit)}`);
	}
}
