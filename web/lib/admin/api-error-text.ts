import { ApiError } from '../api/admin-api.ts';
import { t, type MessageKey } from '../i18n/index.svelte.ts';

const KNOWN = new Set(['invalid', 'forbidden', 'not_found', 'conflict', 'rate_limited', 'unauthorized', 'unavailable', 'internal']);

/** A localized sentence for a failed admin call, with the server's own detail after it. */
export function apiErrorText(err: unknown): string {
	if (err instanceof ApiError) {
		if (err.code === 'network') return t('api.network');
		const head = KNOWN.has(err.code) ? t(`error.${err.code}` as MessageKey) : t('error.internal');
		return err.message ? `${head} (${err.message})` : head;
	}
	return err instanceof Error ? err.message : String(err);
}
