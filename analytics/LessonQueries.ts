import type {
	AnalyticsClassroom,
	AnalyticsFilter,
	AnalyticsLessonList,
	AnalyticsLessonListItem,
	LessonDashboard,
	PollResult,
	ReplayedRun
} from '../protocol/index.ts';
import { AnalyticsError } from './AnalyticsError.ts';
import type { AnalyticsStore } from './AnalyticsStore.ts';
import { lessonCtes, sqlIdArray, sqlIdList } from './metricsSql.ts';
import { DEGRADED, SCORE_FORMULA } from './rules.ts';

interface StudentRow {
	student_id: string;
	name: string | null;
	classroom_id: string;
	minutes: number;
	polls_answered: number;
	polls_open: number;
	quiz_correct: number;
	quiz_open: number;
	hands: number;
	chat: number;
	questions: number;
	activity: number;
}

const ratio = (num: number, den: number): number | null => (den > 0 ? num / den : null);

/** The lesson list and one lesson's dashboard, SQL over the events (live, not from summaries). */
export class LessonQueries {
	readonly #store: AnalyticsStore;

	constructor(store: AnalyticsStore) {
		this.#store = store;
	}

	async list(filter: AnalyticsFilter): Promise<AnalyticsLessonList> {
		const conds = ['TRUE'];
		if (filter.from !== undefined) conds.push(`s.last_at >= ${Math.floor(filter.from)}`);
		if (filter.to !== undefined) conds.push(`s.first_at <= ${Math.ceil(filter.to)}`);
		if (filter.classroomId?.length) conds.push(`list_has_any(coalesce(l.classroom_ids, []), ${sqlIdArray(filter.classroomId)})`);
		const rows = await this.#store.all<{
			lesson_id: string;
			title: string | null;
			teacher_name: string | null;
			first_at: number;
			last_at: number;
			events: number;
			classroom_ids: string[] | null;
			students: number | null;
		}>(
			`SELECT s.lesson_id, l.title, l.teacher_name, s.first_at, s.last_at, s.events, l.classroom_ids,
				(SELECT sum(students) FROM room_lesson r WHERE r.lesson_id = s.lesson_id)::INTEGER AS students
			 FROM lesson_spans s LEFT JOIN dim_lessons l ON l.id = s.lesson_id
			 WHERE ${conds.join(' AND ')}
			 ORDER BY s.first_at DESC LIMIT 1000`
		);
		const rooms = await this.#classrooms();
		return {
			lessons: rows.map((r) => ({
				lessonId: r.lesson_id,
				title: r.title ?? r.lesson_id,
				teacherName: r.teacher_name ?? '',
				startedAt: r.first_at,
				endedAt: r.last_at,
				classrooms: (r.classroom_ids ?? []).map((id) => rooms.get(id) ?? unknownRoom(id)),
				events: r.events,
				students: r.students ?? 0
			}))
		};
	}

	async dashboard(lessonId: string, classroomFilter?: string[]): Promise<LessonDashboard> {
		const board = await this.#dashboard(lessonId, classroomFilter);
		const source = await this.#store.one<{ id: string; title: string }>(
			'SELECT s.id, s.title FROM dim_lessons l JOIN dim_lessons s ON s.id = l.replay_of WHERE l.id = $1',
			[lessonId]
		);
		return { ...board, replayOf: source ? { lessonId: source.id, title: source.title } : null, replays: await this.#replays(lessonId, board) };
	}

	/** The replayed sessions of a lesson that have events, each room's figures for this lesson's polls. */
	async #replays(lessonId: string, board: LessonDashboard): Promise<ReplayedRun[]> {
		const runs = await this.#store.all<{ id: string; first_at: number }>(
			'SELECT l.id, s.first_at FROM dim_lessons l JOIN lesson_spans s ON s.lesson_id = l.id WHERE l.replay_of = $1 ORDER BY s.first_at, l.id LIMIT 50',
			[lessonId]
		);
		const recorded = new Set(board.polls.map((p) => p.pollId));
		const out: ReplayedRun[] = [];
		for (const run of runs) {
			const replay = await this.#dashboard(run.id);
			for (const classroom of replay.lesson.classrooms) {
				const polls = replay.polls
					.filter((p) => recorded.has(p.pollId))
					.flatMap((p) => {
						const room = p.rooms.find((r) => r.classroomId === classroom.classroomId);
						return room ? [{ ...room, pollId: p.pollId }] : [];
					});
				out.push({ lessonId: run.id, startedAt: run.first_at, classroom, polls });
			}
		}
		return out;
	}

	async #dashboard(lessonId: string, classroomFilter?: string[]): Promise<LessonDashboard> {
		sqlIdList([lessonId]);
		const span = await this.#store.one<{ first_at: number; last_at: number; events: number }>(
			'SELECT first_at, last_at, events FROM lesson_spans WHERE lesson_id = $1',
			[lessonId]
		);
		if (!span) throw new AnalyticsError('not_found', `no analytics for lesson ${lessonId}`);
		const meta = await this.#store.one<{ title: string; teacher_name: string; classroom_ids: string[] }>(
			'SELECT title, teacher_name, classroom_ids FROM dim_lessons WHERE id = $1',
			[lessonId]
		);
		const ctes = `WITH ${lessonCtes({ lessonIds: [lessonId], from: span.first_at, to: span.last_at })}`;
		const keep = (id: string | null) => id !== null && (!classroomFilter?.length || classroomFilter.includes(id));
		// One statement: the shared steps (the lesson's events, presence, answers…) are computed once.
		const row = await this.#store.one<{
			rooms_seen: string[] | null;
			stats: (Record<string, number> & { classroom_id: string })[] | null;
			series: { minute: number; classroom_id: string; students: number; room: boolean }[] | null;
			teacher_ms: number | null;
			other_ms: number | null;
			students: StudentRow[] | null;
			polls: { poll_id: string; question: string; kind: PollResult['kind']; quiz: boolean; anonymous: boolean; opened_at: number }[] | null;
			poll_rooms: { poll_id: string; classroom_id: string; eligible: number; answered: number; correct: number | null; tally_total: number | null; withheld: boolean }[] | null;
			pooled: { poll_id: string; n: number }[] | null;
			network: { classroom_id: string; samples: number; sampled_minutes: number; degraded_minutes: number; mean_loss: number | null; mean_rtt: number | null }[] | null;
		}>(
			`${ctes}
			SELECT
				(SELECT list(classroom_id ORDER BY classroom_id) FROM rooms) AS rooms_seen,
				(SELECT list(x) FROM (
					SELECT rs.*, coalesce(rc.rejoins, 0)::INTEGER AS rejoins, coalesce(rc.hand_raisers, 0)::INTEGER AS hand_raisers,
						coalesce(rc.segments, 0)::INTEGER AS segments
					FROM room_stats rs LEFT JOIN room_counts rc USING (lesson_id, classroom_id)) x) AS stats,
				(SELECT list(x ORDER BY x.minute, x.classroom_id) FROM (
					SELECT m.minute * 60000 AS minute, m.classroom_id,
						count(DISTINCT m.who) FILTER (WHERE m.role = 'student')::INTEGER AS students,
						bool_or(m.role = 'classroom') AS room
					FROM (SELECT classroom_id, who, role, unnest(range(s // 60000, e // 60000 + 1)) AS minute
					      FROM intervals WHERE classroom_id IS NOT NULL AND role IN ('student', 'classroom')) m
					GROUP BY m.minute, m.classroom_id) x) AS series,
				(SELECT coalesce(sum(duration_ms) FILTER (WHERE role = 'teacher'), 0) FROM ev WHERE type = 'speaking.segment') AS teacher_ms,
				(SELECT coalesce(sum(duration_ms) FILTER (WHERE role <> 'teacher' AND classroom_id IS NULL), 0) FROM ev WHERE type = 'speaking.segment') AS other_ms,
				(SELECT list(x ORDER BY x.classroom_id, x.student_id) FROM (
					SELECT ss.student_id, ss.classroom_id, ss.minutes, ss.polls_answered, ss.polls_open, ss.quiz_correct, ss.quiz_open,
						ss.hands, ss.chat, ss.questions, ss.activity, ds.name
					FROM student_scores ss LEFT JOIN dim_students ds ON ds.id = ss.student_id) x) AS students,
				(SELECT list(x ORDER BY x.opened_at, x.poll_id) FROM (SELECT poll_id, question, kind, quiz, anonymous, opened_at FROM polls) x) AS polls,
				(SELECT list(x) FROM (
					SELECT poll_id, classroom_id, eligible::INTEGER AS eligible, answered::INTEGER AS answered, correct::INTEGER AS correct, tally_total, withheld
					FROM poll_rooms) x) AS poll_rooms,
				(SELECT list(x) FROM (SELECT poll_id, n::INTEGER AS n FROM anon_answers WHERE classroom_id IS NULL) x) AS pooled,
				(SELECT list(x) FROM (
					SELECT classroom_id, samples::INTEGER AS samples, sampled_minutes::INTEGER AS sampled_minutes,
						degraded_minutes::INTEGER AS degraded_minutes, mean_loss, mean_rtt
					FROM network) x) AS network`
		);
		const stats = row?.stats ?? [];
		const series = row?.series ?? [];
		const students = row?.students ?? [];
		const polls = row?.polls ?? [];
		const pollRooms = row?.poll_rooms ?? [];
		const pooled = row?.pooled ?? [];
		const network = row?.network ?? [];
		const talk = [{ teacher_ms: row?.teacher_ms ?? 0, other_ms: row?.other_ms ?? 0 }];
		const classroomIds = [...new Set([...(meta?.classroom_ids ?? []), ...(row?.rooms_seen ?? [])])].filter(keep);
		const rooms = await this.#classrooms();

		const statOf = (id: string) => stats.find((s) => s.classroom_id === id);
		const keptStudents = students.filter((s) => keep(s.classroom_id));
		const item: AnalyticsLessonListItem = {
			lessonId,
			title: meta?.title ?? lessonId,
			teacherName: meta?.teacher_name ?? '',
			startedAt: span.first_at,
			endedAt: span.last_at,
			classrooms: classroomIds.map((id) => rooms.get(id) ?? unknownRoom(id)),
			events: span.events,
			students: new Set(keptStudents.map((s) => s.student_id)).size
		};
		return {
			lesson: { ...item, minutes: (span.last_at - span.first_at) / 60000 },
			attendance: {
				rooms: classroomIds.map((id) => {
					const s = statOf(id);
					return {
						classroomId: id,
						joins: s?.joins ?? 0,
						rejoins: s?.rejoins ?? 0,
						leaves: s?.leaves ?? 0,
						students: s?.students ?? 0,
						roomMinutes: s?.room_minutes ?? 0,
						studentMinutes: s?.student_minutes ?? 0
					};
				}),
				series: series.filter((p) => keep(p.classroom_id)).map((p) => ({ minute: p.minute, classroomId: p.classroom_id, students: p.students, room: p.room }))
			},
			talk: {
				teacherMs: talk[0]?.teacher_ms ?? 0,
				otherMs: talk[0]?.other_ms ?? 0,
				rooms: classroomIds.map((id) => ({ classroomId: id, ms: statOf(id)?.talk_ms ?? 0, segments: statOf(id)?.segments ?? 0 }))
			},
			interaction: classroomIds.map((id) => {
				const s = statOf(id);
				return { classroomId: id, hands: s?.hands ?? 0, handRaisers: s?.hand_raisers ?? 0, chat: s?.chat ?? 0, questions: s?.questions ?? 0 };
			}),
			polls: polls.map((p) => {
				const named = p.quiz && !p.anonymous;
				const per = classroomIds.map((id) => {
					const r = pollRooms.find((x) => x.poll_id === p.poll_id && x.classroom_id === id);
					const withheld = r?.withheld ?? false;
					const answered = withheld ? 0 : (r?.answered ?? 0);
					const correct = named ? (r?.correct ?? 0) : null;
					return {
						classroomId: id,
						eligible: r?.eligible ?? 0,
						answered,
						participation: r && r.eligible > 0 && !withheld ? Math.min(1, answered / r.eligible) : null,
						correct,
						accuracy: correct === null ? null : ratio(correct, answered),
						tallyTotal: r?.tally_total ?? null,
						withheld
					};
				});
				// Anonymous answers of small rooms pooled together count for the poll, not for a room.
				const answered = per.reduce((n, r) => n + r.answered, 0) + (pooled.find((x) => x.poll_id === p.poll_id)?.n ?? 0);
				const correct = named ? per.reduce((n, r) => n + (r.correct ?? 0), 0) : null;
				return {
					pollId: p.poll_id,
					question: p.question,
					kind: p.kind,
					quiz: p.quiz,
					anonymous: p.anonymous,
					openedAt: p.opened_at,
					rooms: per,
					answered,
					correct,
					accuracy: correct === null ? null : ratio(correct, answered)
				};
			}),
			network: {
				rule: DEGRADED,
				rooms: classroomIds.map((id) => {
					const n = network.find((x) => x.classroom_id === id);
					return {
						classroomId: id,
						samples: n?.samples ?? 0,
						sampledMinutes: n?.sampled_minutes ?? 0,
						degradedMinutes: n?.degraded_minutes ?? 0,
						degradedShare: n ? ratio(n.degraded_minutes, n.sampled_minutes) : null,
						meanLoss: n?.mean_loss ?? null,
						meanRttMs: n?.mean_rtt ?? null
					};
				})
			},
			activity: {
				formula: SCORE_FORMULA,
				students: keptStudents.map((s) => ({
					studentId: s.student_id,
					name: s.name,
					classroomId: s.classroom_id,
					minutesPresent: s.minutes,
					pollsAnswered: s.polls_answered,
					pollsOpen: s.polls_open,
					quizCorrect: s.quiz_correct,
					quizOpen: s.quiz_open,
					hands: s.hands,
					chat: s.chat,
					questions: s.questions,
					score: s.activity
				})),
				rooms: classroomIds.map((id) => {
					const mine = keptStudents.filter((s) => s.classroom_id === id);
					return {
						classroomId: id,
						students: mine.length,
						score: mine.length ? Math.round((mine.reduce((n, s) => n + s.activity, 0) / mine.length) * 100) / 100 : null
					};
				})
			}
		};
	}

	async #classrooms(): Promise<Map<string, AnalyticsClassroom>> {
		const rows = await this.#store.all<{ id: string; name: string; school_id: string | null; school_name: string | null; locale: 'urban' | 'rural' | null }>(
			'SELECT c.id, c.name, c.school_id, s.name AS school_name, s.locale FROM dim_classrooms c LEFT JOIN dim_schools s ON s.id = c.school_id'
		);
		return new Map(rows.map((r) => [r.id, { classroomId: r.id, name: r.name, schoolId: r.school_id, schoolName: r.school_name, locale: r.locale }]));
	}
}

function unknownRoom(id: string): AnalyticsClassroom {
	return { classroomId: id, name: id, schoolId: null, schoolName: null, locale: null };
}
