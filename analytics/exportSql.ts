import type { AnalyticsFilter, ExportTable } from '../protocol/index.ts';
import { sqlIdList } from './metricsSql.ts';
import type { Pseudonymizer } from './pseudonym.ts';

export interface ExportScope extends AnalyticsFilter {
	lessonId?: string;
	/** Names in, ids as they are: only after an explicit staff choice. */
	names: boolean;
}

/** Keys inside `data` that hold a person's id: pseudonymised like the actor. */
const ID_KEYS = ['participantId', 'fromId', 'intoId'];

/** The SELECT behind an export or a data API page: the same pseudonymisation rule everywhere. */
export function exportSelect(table: ExportTable, scope: ExportScope, pseudo: Pseudonymizer, page?: { where: string; limit: number }): string {
	const lesson = scope.lessonId ? `AND t.lesson_id IN ${sqlIdList([scope.lessonId])}` : '';
	const rooms = scope.classroomId?.length ? `AND t.classroom_id IN ${sqlIdList(scope.classroomId)}` : '';
	if (table === 'events') {
		const time = [
			scope.from !== undefined ? `AND t.at_ms >= ${Math.floor(scope.from)}` : '',
			scope.to !== undefined ? `AND t.at_ms <= ${Math.ceil(scope.to)}` : ''
		].join(' ');
		const actor = scope.names ? 't.actor' : `${pseudo.sql('t.actor')} AS actor`;
		const subject = scope.names ? 't.subject' : `${pseudo.sql('t.subject')} AS subject`;
		const patch = ID_KEYS.map((k) => `'${k}', ${pseudo.sql(`json_extract_string(t.data, '$.${k}')`)}`).join(', ');
		const data = scope.names ? 't.data' : `json_merge_patch(t.data, json_object(${patch}))::VARCHAR AS data`;
		const name = scope.names
			? `, CASE t.role WHEN 'student' THEN ds.name WHEN 'teacher' THEN dl.teacher_name END AS name`
			: '';
		const joins = scope.names
			? 'LEFT JOIN dim_students ds ON ds.id = t.actor LEFT JOIN dim_lessons dl ON dl.id = t.lesson_id'
			: '';
		// A page first picks its rows by seq, so the pseudonyms are computed for those rows only.
		const paged = page
			? `AND t.seq IN (SELECT seq FROM events t WHERE TRUE ${lesson} ${rooms} ${time} AND ${page.where} ORDER BY seq LIMIT ${Math.floor(page.limit)})`
			: '';
		return `SELECT t.seq, t.id, t.lesson_id, t.at_ms, t.type, ${actor}, t.role, t.classroom_id, t.v, ${subject}, t.poll_id, t.anonymous,
				t.correct, t.flag, t.duration_ms, t.loss, t.rtt_ms, t.score, ${data}${name}
			FROM events t ${joins}
			WHERE TRUE ${lesson} ${rooms} ${time} ${paged}
			ORDER BY t.seq`;
	}
	const started = [
		scope.from !== undefined ? `AND t.started_at >= ${Math.floor(scope.from)}` : '',
		scope.to !== undefined ? `AND t.started_at <= ${Math.ceil(scope.to)}` : ''
	].join(' ');
	if (table === 'students') {
		const student = scope.names ? 't.student_id, ds.name' : `${pseudo.sql('t.student_id')} AS student_id`;
		return `SELECT t.lesson_id, t.classroom_id, ${student}, t.started_at, t.minutes_present, t.polls_answered, t.polls_open,
				t.quiz_correct, t.quiz_open, t.quiz_answered, t.hands, t.chat, t.questions, t.score
			FROM student_lesson t ${scope.names ? 'LEFT JOIN dim_students ds ON ds.id = t.student_id' : ''}
			WHERE TRUE ${lesson} ${rooms} ${started}
			ORDER BY t.started_at, t.lesson_id, t.classroom_id, student_id`;
	}
	return `SELECT t.*, c.name AS classroom_name, c.school_id, s.name AS school_name, s.locale
		FROM room_lesson t LEFT JOIN dim_classrooms c ON c.id = t.classroom_id LEFT JOIN dim_schools s ON s.id = c.school_id
		WHERE TRUE ${lesson} ${rooms} ${started}
		ORDER BY t.started_at, t.lesson_id, t.classroom_id`;
}
