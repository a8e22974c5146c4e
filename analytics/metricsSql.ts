import { degradedSql, scoreSql } from './rules.ts';

/**
 * The SQL every per-lesson figure is made of, as common table expressions over one set of lessons.
 * The live dashboard runs them for one lesson; the summarizer runs them for a batch of settled
 * lessons and keeps the result in student_lesson / room_lesson for the cross-lesson views.
 *
 * Scope: lesson ids plus the time window that holds all their events, so DuckDB's zone maps on
 * `at_ms` skip the row groups of other days.
 */
export interface LessonScope {
	lessonIds: string[];
	from: number;
	to: number;
}

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** A SQL list of quoted ids; ids are checked against the id pattern, so nothing can escape the quotes. */
export function sqlIdList(ids: readonly string[]): string {
	if (ids.length === 0) return "('')";
	for (const id of ids) if (!ID_RE.test(id)) throw new Error(`not an id: ${JSON.stringify(id)}`);
	return `(${ids.map((id) => `'${id}'`).join(', ')})`;
}

/** The same ids as a VARCHAR[] literal (for list functions). */
export function sqlIdArray(ids: readonly string[]): string {
	return `[${sqlIdList(ids).slice(1, -1)}]::VARCHAR[]`;
}

export function lessonCtes(scope: LessonScope): string {
	const ids = sqlIdList(scope.lessonIds);
	const from = Math.floor(scope.from);
	const to = Math.ceil(scope.to);
	return `
span AS MATERIALIZED (
	SELECT lesson_id, first_at, last_at, (last_at - first_at) / 60000.0 AS lesson_minutes
	FROM lesson_spans WHERE lesson_id IN ${ids}
),
ev AS MATERIALIZED (
	SELECT e.seq, e.lesson_id, e.at_ms, e.type, e.actor, e.role, e.classroom_id, e.poll_id, e.anonymous, e.correct,
		e.flag, e.duration_ms, e.loss, e.rtt_ms, e.score, e.data,
		CASE WHEN e.role = 'student' THEN coalesce(ds.resolved_id, e.actor) ELSE e.actor END AS who
	FROM events e LEFT JOIN dim_students ds ON ds.id = e.actor
	WHERE e.lesson_id IN ${ids} AND e.at_ms BETWEEN ${from} AND ${to}
),
-- Presence: a person is present from a join to the next leave (or the lesson's last event).
-- Joins without a leave in between (reconnects inside the grace period) share that leave, so they
-- fold into one interval starting at the first of them.
presence_joins AS (
	SELECT j.lesson_id, j.who, j.role, j.classroom_id, j.at_ms,
		(SELECT min(l.at_ms) FROM ev l WHERE l.type = 'participant.left' AND l.lesson_id = j.lesson_id AND l.who = j.who AND l.at_ms >= j.at_ms) AS left_at
	FROM ev j WHERE j.type = 'participant.joined'
),
intervals AS MATERIALIZED (
	SELECT p.lesson_id, p.who, any_value(p.role) AS role, any_value(p.classroom_id) AS classroom_id, min(p.at_ms) AS s,
		coalesce(p.left_at, any_value(span.last_at)) AS e
	FROM presence_joins p JOIN span USING (lesson_id)
	GROUP BY p.lesson_id, p.who, p.left_at
),
polls AS MATERIALIZED (
	SELECT lesson_id, poll_id, min(at_ms) AS opened_at,
		any_value(json_extract_string(data, '$.question')) AS question,
		any_value(json_extract_string(data, '$.kind')) AS kind,
		bool_or(coalesce(json_extract(data, '$.quiz')::BOOLEAN, false)) AS quiz,
		bool_or(coalesce(anonymous, false)) AS anonymous
	FROM ev WHERE type = 'poll.opened' GROUP BY lesson_id, poll_id
),
-- A named answer counts once per student; its correctness is that of the last change.
answers AS MATERIALIZED (
	SELECT lesson_id, poll_id, who, any_value(classroom_id) AS classroom_id, arg_max(correct, seq) AS correct
	FROM ev
	WHERE type IN ('poll.answered', 'poll.changed') AND actor <> 'anonymous' AND NOT coalesce(anonymous, false)
	GROUP BY lesson_id, poll_id, who
),
anon_answers AS MATERIALIZED (
	SELECT lesson_id, poll_id, classroom_id, count(*) AS n
	FROM ev WHERE type = 'poll.answered' AND (actor = 'anonymous' OR coalesce(anonymous, false))
	GROUP BY lesson_id, poll_id, classroom_id
),
-- Anonymous polls: rooms with too few answers to show as their own (poll.closed withheldRooms).
withheld_rooms AS MATERIALIZED (
	SELECT DISTINCT lesson_id, poll_id, unnest(from_json(json_extract(data, '$.withheldRooms'), '["VARCHAR"]')) AS classroom_id
	FROM ev WHERE type = 'poll.closed' AND json_extract(data, '$.withheldRooms') IS NOT NULL
),
-- Who could answer a poll: students present when it opened, and (named polls) whoever answered.
eligible AS MATERIALIZED (
	SELECT DISTINCT p.lesson_id, p.poll_id, i.who, i.classroom_id
	FROM polls p JOIN intervals i ON i.lesson_id = p.lesson_id AND i.role = 'student' AND i.s <= p.opened_at AND i.e >= p.opened_at
	UNION
	SELECT lesson_id, poll_id, who, classroom_id FROM answers
),
tallies AS (
	SELECT lesson_id, poll_id, classroom_id, arg_max(json_extract(data, '$.total')::INTEGER, seq) AS total
	FROM ev WHERE type = 'poll.tallied' GROUP BY lesson_id, poll_id, classroom_id
),
students AS MATERIALIZED (
	SELECT lesson_id, who, any_value(classroom_id) AS classroom_id
	FROM ev WHERE role = 'student' AND actor <> 'anonymous' AND classroom_id IS NOT NULL GROUP BY lesson_id, who
),
student_counts AS (
	SELECT lesson_id, who,
		count(*) FILTER (WHERE type = 'hand.raised') AS hands,
		count(*) FILTER (WHERE type = 'chat.sent') AS chat,
		count(*) FILTER (WHERE type = 'question.asked') AS questions
	FROM ev WHERE role = 'student' GROUP BY lesson_id, who
),
student_minutes AS (
	SELECT lesson_id, who, sum(e - s) / 60000.0 AS minutes FROM intervals WHERE role = 'student' GROUP BY lesson_id, who
),
student_polls AS (
	SELECT el.lesson_id, el.who,
		count(*) FILTER (WHERE NOT p.anonymous) AS polls_open,
		count(*) FILTER (WHERE NOT p.anonymous AND p.quiz) AS quiz_open,
		count(a.poll_id) FILTER (WHERE NOT p.anonymous) AS polls_answered,
		count(a.poll_id) FILTER (WHERE NOT p.anonymous AND p.quiz) AS quiz_answered,
		count(a.poll_id) FILTER (WHERE NOT p.anonymous AND p.quiz AND a.correct) AS quiz_correct
	FROM eligible el JOIN polls p USING (lesson_id, poll_id)
	LEFT JOIN answers a ON a.lesson_id = el.lesson_id AND a.poll_id = el.poll_id AND a.who = el.who
	GROUP BY el.lesson_id, el.who
),
student_stats AS (
	SELECT st.lesson_id, st.classroom_id, st.who AS student_id, span.first_at AS started_at, span.lesson_minutes,
		coalesce(m.minutes, 0) AS minutes,
		coalesce(sp.polls_answered, 0)::INTEGER AS polls_answered, coalesce(sp.polls_open, 0)::INTEGER AS polls_open,
		coalesce(sp.quiz_correct, 0)::INTEGER AS quiz_correct, coalesce(sp.quiz_open, 0)::INTEGER AS quiz_open,
		coalesce(sp.quiz_answered, 0)::INTEGER AS quiz_answered,
		coalesce(sc.hands, 0)::INTEGER AS hands, coalesce(sc.chat, 0)::INTEGER AS chat, coalesce(sc.questions, 0)::INTEGER AS questions
	FROM students st JOIN span USING (lesson_id)
	LEFT JOIN student_minutes m USING (lesson_id, who)
	LEFT JOIN student_polls sp USING (lesson_id, who)
	LEFT JOIN student_counts sc USING (lesson_id, who)
),
student_scores AS MATERIALIZED (
	SELECT *, ${scoreSql()} AS activity FROM student_stats
),
rooms AS MATERIALIZED (
	SELECT DISTINCT lesson_id, classroom_id FROM ev WHERE classroom_id IS NOT NULL
),
room_presence AS (
	SELECT lesson_id, classroom_id,
		sum(e - s) FILTER (WHERE role = 'student') / 60000.0 AS student_minutes,
		sum(e - s) FILTER (WHERE role = 'classroom') / 60000.0 AS room_minutes
	FROM intervals WHERE classroom_id IS NOT NULL GROUP BY lesson_id, classroom_id
),
room_counts AS MATERIALIZED (
	SELECT lesson_id, classroom_id,
		count(*) FILTER (WHERE type = 'participant.joined') AS joins,
		count(*) FILTER (WHERE type = 'participant.joined' AND coalesce(flag, false)) AS rejoins,
		count(*) FILTER (WHERE type = 'participant.left') AS leaves,
		count(DISTINCT who) FILTER (WHERE type = 'participant.joined' AND role = 'student') AS students,
		count(*) FILTER (WHERE type = 'hand.raised') AS hands,
		count(DISTINCT who) FILTER (WHERE type = 'hand.raised' AND role = 'student') AS hand_raisers,
		count(*) FILTER (WHERE type = 'chat.sent') AS chat,
		count(*) FILTER (WHERE type = 'question.asked') AS questions,
		coalesce(sum(duration_ms) FILTER (WHERE type = 'speaking.segment'), 0) AS talk_ms,
		count(*) FILTER (WHERE type = 'speaking.segment') AS segments
	FROM ev WHERE classroom_id IS NOT NULL GROUP BY lesson_id, classroom_id
),
eligible_counts AS (
	SELECT lesson_id, poll_id, classroom_id, count(*) AS n FROM eligible GROUP BY lesson_id, poll_id, classroom_id
),
answer_counts AS (
	SELECT lesson_id, poll_id, classroom_id, count(*) AS n, count(*) FILTER (WHERE correct) AS right_
	FROM answers GROUP BY lesson_id, poll_id, classroom_id
),
poll_rooms AS MATERIALIZED (
	SELECT p.lesson_id, p.poll_id, r.classroom_id, p.anonymous, p.quiz,
		coalesce(ec.n, 0) AS eligible,
		CASE WHEN p.anonymous THEN coalesce(aa.n, 0) ELSE coalesce(ac.n, 0) END AS answered,
		CASE WHEN p.quiz AND NOT p.anonymous THEN coalesce(ac.right_, 0) END AS correct,
		t.total AS tally_total,
		wr.classroom_id IS NOT NULL AS withheld
	FROM polls p JOIN rooms r USING (lesson_id)
	LEFT JOIN eligible_counts ec ON ec.lesson_id = p.lesson_id AND ec.poll_id = p.poll_id AND ec.classroom_id = r.classroom_id
	LEFT JOIN anon_answers aa ON aa.lesson_id = p.lesson_id AND aa.poll_id = p.poll_id AND aa.classroom_id = r.classroom_id
	LEFT JOIN answer_counts ac ON ac.lesson_id = p.lesson_id AND ac.poll_id = p.poll_id AND ac.classroom_id = r.classroom_id
	LEFT JOIN tallies t ON t.lesson_id = p.lesson_id AND t.poll_id = p.poll_id AND t.classroom_id = r.classroom_id
	LEFT JOIN withheld_rooms wr ON wr.lesson_id = p.lesson_id AND wr.poll_id = p.poll_id AND wr.classroom_id = r.classroom_id
),
room_polls AS (
	SELECT lesson_id, classroom_id,
		sum(answered) AS answers, sum(eligible) AS answer_slots,
		sum(correct) FILTER (WHERE quiz AND NOT anonymous) AS quiz_correct,
		sum(answered) FILTER (WHERE quiz AND NOT anonymous) AS quiz_answered
	FROM poll_rooms WHERE NOT withheld GROUP BY lesson_id, classroom_id
),
room_scores AS (
	SELECT lesson_id, classroom_id, round(avg(activity), 2) AS score FROM student_scores GROUP BY lesson_id, classroom_id
),
network AS MATERIALIZED (
	SELECT lesson_id, classroom_id, count(*) AS samples,
		count(DISTINCT at_ms // 60000) AS sampled_minutes,
		count(DISTINCT at_ms // 60000) FILTER (WHERE ${degradedSql()}) AS degraded_minutes,
		avg(loss) AS mean_loss, avg(rtt_ms) AS mean_rtt
	FROM ev WHERE type = 'network.quality' AND classroom_id IS NOT NULL GROUP BY lesson_id, classroom_id
),
room_stats AS (
	SELECT r.lesson_id, r.classroom_id, span.first_at AS started_at,
		coalesce(rc.students, 0)::INTEGER AS students,
		coalesce(rp.student_minutes, 0) AS student_minutes, coalesce(rp.room_minutes, 0) AS room_minutes,
		coalesce(rc.joins, 0)::INTEGER AS joins, coalesce(rc.leaves, 0)::INTEGER AS leaves,
		coalesce(rc.hands, 0)::INTEGER AS hands, coalesce(rc.chat, 0)::INTEGER AS chat, coalesce(rc.questions, 0)::INTEGER AS questions,
		coalesce(rc.talk_ms, 0)::DOUBLE AS talk_ms,
		coalesce(rpo.answers, 0)::INTEGER AS answers,
		coalesce(rpo.answer_slots, 0)::INTEGER AS answer_slots,
		coalesce(rpo.quiz_correct, 0)::INTEGER AS quiz_correct,
		coalesce(rpo.quiz_answered, 0)::INTEGER AS quiz_answered,
		coalesce(n.sampled_minutes, 0)::INTEGER AS sampled_minutes, coalesce(n.degraded_minutes, 0)::INTEGER AS degraded_minutes,
		rs.score
	FROM rooms r JOIN span USING (lesson_id)
	LEFT JOIN room_presence rp USING (lesson_id, classroom_id)
	LEFT JOIN room_counts rc USING (lesson_id, classroom_id)
	LEFT JOIN network n USING (lesson_id, classroom_id)
	LEFT JOIN room_polls rpo USING (lesson_id, classroom_id)
	LEFT JOIN room_scores rs USING (lesson_id, classroom_id)
)`;
}
