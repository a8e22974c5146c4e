import { createHash, createHmac } from 'node:crypto';

/** Actors that are not people: kept as they are. */
export const NON_PERSON_ACTORS = ['system', 'anonymous'] as const;

/**
 * Pseudonyms for exports and the data API: `p_` + the first 16 hex digits of sha256(salt ‖ id).
 * Stable for one installation (the salt is derived from its signing secret), so a data hub can
 * follow a student across lessons without learning who it is, and it matches in SQL and in JS.
 */
export class Pseudonymizer {
	readonly salt: string;

	constructor(secret: Uint8Array | string) {
		this.salt = createHmac('sha256', secret).update('classbridge analytics pseudonyms v1').digest('hex');
	}

	of(id: string): string {
		if ((NON_PERSON_ACTORS as readonly string[]).includes(id)) return id;
		return `p_${createHash('sha256').update(this.salt + id).digest('hex').slice(0, 16)}`;
	}

	/** The same in SQL for a column or expression (the salt is hex, so safe to inline). */
	sql(expr: string): string {
		return `CASE WHEN ${expr} IS NULL THEN NULL WHEN ${expr} IN ('system', 'anonymous') THEN ${expr} ELSE 'p_' || left(sha256('${this.salt}' || ${expr}), 16) END`;
	}
}
