import type { AdminApi } from '../api/admin-api.ts';
import type { AnalyticsApi } from './analytics-api.ts';

/** What an analytics page gets once staff are signed in. */
export interface StaffSession {
	api: AnalyticsApi;
	admin: AdminApi;
	/** Pass any failed call: a 401 ends the session and asks to sign in again. */
	check: (err: unknown) => void;
}
