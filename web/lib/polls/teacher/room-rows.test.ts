import { describe, expect, it } from 'vitest';
import type { ClassroomPollResults, LessonClassroom } from '$protocol';
import { roomRows } from './room-rows.ts';

const room = (id: string, name: string): LessonClassroom => ({ id, name, schoolName: 'S', locale: 'rural', joinCode: 'ABCD' });
const result = (classroomId: string, answered: number, correct: number): ClassroomPollResults =>
	({ classroomId, present: 10, answered, counts: [], correct, tally: null, withheld: false }) as ClassroomPollResults;
const classrooms = [room('a', '一班'), room('b', '二班'), room('c', '三班')];

describe('roomRows (per-room poll rows)', () => {
	it('keep the lesson order while answers arrive, whatever the scores', () => {
		const early = roomRows([result('c', 1, 1), result('a', 2, 0), result('b', 0, 0)], classrooms, true);
		const later = roomRows([result('b', 3, 3), result('c', 4, 0), result('a', 5, 5)], classrooms, true);
		expect(early.map((r) => r.classroomId)).toEqual(['a', 'b', 'c']);
		expect(later.map((r) => r.classroomId)).toEqual(['a', 'b', 'c']);
	});

	it('flag the weakest answering room of a quiz instead of moving it', () => {
		const rows = roomRows([result('a', 4, 4), result('b', 4, 1), result('c', 0, 0)], classrooms, true);
		expect(rows.map((r) => r.weakest)).toEqual([false, true, false]);
		expect(roomRows([result('a', 4, 4), result('b', 4, 1)], classrooms, false).some((r) => r.weakest)).toBe(false);
	});
});
