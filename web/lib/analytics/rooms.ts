import type { AnalyticsClassroom } from '$protocol';
import { seriesColor } from './charts/palette.ts';

/** A lesson's (or a page's) classrooms by id, each with a stable chart colour. */
export class RoomIndex {
	readonly #rooms = new Map<string, AnalyticsClassroom & { color: string }>();

	constructor(rooms: AnalyticsClassroom[]) {
		const sorted = [...rooms].sort((a, b) => (a.locale === b.locale ? a.name.localeCompare(b.name) : a.locale === 'urban' ? -1 : 1));
		sorted.forEach((room, i) => this.#rooms.set(room.classroomId, { ...room, color: seriesColor(i) }));
	}

	get list(): (AnalyticsClassroom & { color: string })[] {
		return [...this.#rooms.values()];
	}

	name(id: string): string {
		return this.#rooms.get(id)?.name ?? id;
	}

	color(id: string): string {
		return this.#rooms.get(id)?.color ?? 'var(--text-3)';
	}

	locale(id: string): 'urban' | 'rural' | null {
		return this.#rooms.get(id)?.locale ?? null;
	}

	school(id: string): string | null {
		return this.#rooms.get(id)?.schoolName ?? null;
	}

	/** Known rooms first in index order; unknown ids after them. */
	order(ids: string[]): string[] {
		const known = this.list.map((r) => r.classroomId).filter((id) => ids.includes(id));
		return [...known, ...ids.filter((id) => !this.#rooms.has(id))];
	}
}
