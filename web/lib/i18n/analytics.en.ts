/** English UI text for the analytics pages; spread into en.ts. */
export const analyticsEn = {
	'nav.analytics': 'Analytics'
} as const;
