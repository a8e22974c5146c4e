import type { LibraryQuery } from '$protocol';
import { dayBounds } from '../format.ts';

/** The library's search form as typed (dates as `YYYY-MM-DD`). */
export interface Filters {
	q: string;
	teacher: string;
	classroomId: string;
	from: string;
	to: string;
}

export const NO_FILTERS: Filters = { q: '', teacher: '', classroomId: '', from: '', to: '' };

/** The form as a library query: blanks left out, dates as the local day's first and last ms. */
export function toQuery(filters: Filters): LibraryQuery {
	const query: LibraryQuery = {};
	if (filters.q.trim()) query.q = filters.q.trim();
	if (filters.teacher.trim()) query.teacher = filters.teacher.trim();
	if (filters.classroomId) query.classroomId = filters.classroomId;
	const from = dayBounds(filters.from);
	const to = dayBounds(filters.to);
	if (from) query.from = from.start;
	if (to) query.to = to.end;
	return query;
}
