import { en, type MessageKey } from './en.ts';
import { zhCN } from './zh-CN.ts';

export type Locale = 'en' | 'zh-CN';
export type { MessageKey };

export const LOCALES: readonly { id: Locale; label: string }[] = [
	{ id: 'zh-CN', label: '中文' },
	{ id: 'en', label: 'English' }
];

const dictionaries: Record<Locale, Readonly<Record<MessageKey, string>>> = { en, 'zh-CN': zhCN };
const STORAGE_KEY = 'classbridge.locale';

function detect(): Locale {
	try {
		const stored = localStorage.getItem(STORAGE_KEY);
		if (stored === 'en' || stored === 'zh-CN') return stored;
	} catch {
		// Storage can be unavailable (private mode, kiosk policies): fall back to the browser.
	}
	const lang = typeof navigator === 'undefined' ? 'en' : navigator.language;
	return lang.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

class I18n {
	locale = $state<Locale>('en');

	init(): void {
		this.locale = detect();
		this.#applyToDocument();
	}

	set(locale: Locale): void {
		this.locale = locale;
		try {
			localStorage.setItem(STORAGE_KEY, locale);
		} catch {
			// Not remembered; still switched for this page.
		}
		this.#applyToDocument();
	}

	t(key: MessageKey, params?: Record<string, string | number>): string {
		const text = this.#plural(key, params?.['count']) ?? dictionaries[this.locale][key] ?? en[key];
		if (!params) return text;
		return text.replace(/\{(\w+)\}/g, (match, name: string) => (name in params ? String(params[name]) : match));
	}

	dateTime(ms: number): string {
		return new Intl.DateTimeFormat(this.locale, { dateStyle: 'medium', timeStyle: 'short' }).format(ms);
	}

	time(ms: number): string {
		return new Intl.DateTimeFormat(this.locale, { hour: '2-digit', minute: '2-digit' }).format(ms);
	}

	/** The `<key>#<category>` form for this count (Intl.PluralRules), where the dictionary has one. */
	#plural(key: MessageKey, count: string | number | undefined): string | undefined {
		if (typeof count !== 'number') return undefined;
		const category = new Intl.PluralRules(this.locale).select(count);
		return (dictionaries[this.locale] as Readonly<Record<string, string>>)[`${key}#${category}`];
	}

	#applyToDocument(): void {
		if (typeof document !== 'undefined') document.documentElement.lang = this.locale;
	}
}

export const i18n = new I18n();

/** Translate; reading it inside a template or $derived re-runs when the language changes. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
	return i18n.t(key, params);
}
