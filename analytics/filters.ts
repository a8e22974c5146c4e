import type { AnalyticsFilter } from '../protocol/index.ts';
import { sqlIdList } from './metricsSql.ts';

/** SQL conditions for the date and classroom filters on a table with `started_at` and `classroom_id`. */
export function filterSql(filter: AnalyticsFilter, alias = ''): string {
	const parts: string[] = ['TRUE'];
	if (filter.from !== undefined) parts.push(`${alias}started_at >= ${Math.floor(filter.from)}`);
	if (filter.to !== undefined) parts.push(`${alias}started_at <= ${Math.ceil(filter.to)}`);
	if (filter.classroomId?.length) parts.push(`${alias}classroom_id IN ${sqlIdList(filter.classroomId)}`);
	return parts.join(' AND ');
}
