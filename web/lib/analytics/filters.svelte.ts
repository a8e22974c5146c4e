import type { Catalog } from '$protocol';
import type { AnalyticsFilters } from './analytics-api.ts';

/** The date, school and classroom choice of a page; `value` is what the API gets. */
export class FilterState {
	from = $state('');
	to = $state('');
	schoolId = $state('');
	classroomId = $state('');
	catalog = $state<Catalog>({ schools: [], classrooms: [] });

	/** A classroom narrows to itself; a school to its classrooms; nothing means every room. */
	readonly value: AnalyticsFilters = $derived.by(() => {
		let classroomIds: string[] = [];
		if (this.classroomId) classroomIds = [this.classroomId];
		else if (this.schoolId) classroomIds = this.catalog.classrooms.filter((c) => c.schoolId === this.schoolId).map((c) => c.id);
		return { from: this.from, to: this.to, classroomIds };
	});

	/** A school with no classrooms matches nothing: the pages say so rather than show every room. */
	get emptySchool(): boolean {
		return !this.classroomId && !!this.schoolId && this.value.classroomIds.length === 0;
	}

	get active(): boolean {
		return !!(this.from || this.to || this.schoolId || this.classroomId);
	}

	/** Takes the filters a shared or reloaded address carries (?from&to&school&classroom). */
	readUrl(url: URL): void {
		const date = (v: string | null) => (v && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : '');
		this.from = date(url.searchParams.get('from'));
		this.to = date(url.searchParams.get('to'));
		this.schoolId = url.searchParams.get('school') ?? '';
		this.classroomId = url.searchParams.get('classroom') ?? '';
	}

	/** The address for these filters, keeping the path and any other parameters. */
	writeUrl(url: URL): URL {
		const next = new URL(url);
		const set = (key: string, value: string) => (value ? next.searchParams.set(key, value) : next.searchParams.delete(key));
		set('from', this.from);
		set('to', this.to);
		set('school', this.schoolId);
		set('classroom', this.classroomId);
		return next;
	}

	clear(): void {
		this.from = '';
		this.to = '';
		this.schoolId = '';
		this.classroomId = '';
	}
}
