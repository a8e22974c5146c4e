import { t } from '../i18n/index.svelte.ts';

/** A student as the pages show them: the class-list name in named views, else a short pseudonym. */
export function studentLabel(s: { studentId: string; name: string | null }): string {
	return s.name ?? t('analytics.pseudonym', { id: s.studentId.slice(-6) });
}
