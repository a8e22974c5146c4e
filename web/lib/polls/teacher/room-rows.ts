import type { ClassroomPollResults, LessonClassroom } from '$protocol';
import { percent } from '../poll-format.ts';

export interface RoomRow extends ClassroomPollResults {
	name: string;
	pct: number;
	/** A quiz's lowest share of right answers among rooms that answered (several when tied). */
	weakest: boolean;
}

/**
 * The per-room rows in the lesson's classroom order, whatever the answers: rows that jump while
 * answers arrive cannot be read or tapped. The weakest room is flagged instead of moved to the top.
 */
export function roomRows(rooms: ClassroomPollResults[], classrooms: LessonClassroom[], quiz: boolean): RoomRow[] {
	const order = new Map(classrooms.map((c, i) => [c.id, i]));
	const rows = rooms
		.map((r) => ({ ...r, name: classrooms.find((c) => c.id === r.classroomId)?.name ?? r.classroomId, pct: percent(r.correct ?? 0, r.answered), weakest: false }))
		.sort((a, b) => (order.get(a.classroomId) ?? Infinity) - (order.get(b.classroomId) ?? Infinity) || a.classroomId.localeCompare(b.classroomId));
	const answered = rows.filter((r) => r.answered > 0 && !r.withheld);
	if (quiz && answered.length > 1) {
		const low = Math.min(...answered.map((r) => r.pct));
		for (const r of answered) r.weakest = r.pct === low;
	}
	return rows;
}
