import type { AdminApi } from '../api/admin-api.ts';
import type { AnalyticsApi } from './analytics-api.ts';

/** What an analytics page gets once a staff token is known. */
export interface StaffSession {
	api: AnalyticsApi;
	admin: AdminApi;
	/** Pass any failed call: a 401/403 drops the token and asks for another. */
	check: (err: unknown) => void;
}
