import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLesson, joinByCode, startTestApp, TestClient, waitFor, type TestApp, type TestLesson } from '../app/testing/harness.ts';
import {
	CONFIRM_NAMED_EXPORT,
	type ApiTokenList,
	type ClassroomEvent,
	type CreatedApiToken,
	type DataEvent,
	type DataPage,
	type LessonDashboard,
	type Trends,
	type UrbanRuralComparison
} from '../protocol/index.ts';
import { HANDS_FULL, MESSAGES_FULL, SCORE_WEIGHTS } from './rules.ts';
import type { XapiStatement } from './xapi.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * A scripted lesson through the real server (sockets, HTTP join by code, the bus, the store), then
 * every dashboard figure against what the script did, counted here by hand.
 *
 * Room U (urban school): its screen, students u1 u2 u3. Room R (rural): its screen, students r1 r2 r3.
 *   hands: u1, r1, r2 (students) and room U's screen           → U 2 hands (1 student), R 2 (2 students)
 *   chat (open): u1 twice, r3 once, the teacher once            → U chat 2, R chat 1
 *   questions (questions mode): r2 once                          → R questions 1
 *   quiz 1 (single, named, right = option 1):
 *     u1 right, u2 wrong then changed to right, u3 right        → U 3 answered, 3 right
 *     r1 right, r2 wrong, r3 silent                             → R 2 answered, 1 right, 3 eligible
 *   room R's screen leaves (past the grace period) and comes back; r3 leaves for good.
 *   quiz 2 (true/false, anonymous, right = true):
 *     u1, u2, u3 answer; r1 answers                              → U 3 of 3; R withheld (fewer than 3 answers:
 *                                                                   no figure, and r1's lone answer is no event); no accuracy
 *   network samples and speaking segments: published on the bus with known values.
 */
describe('analytics: a scripted lesson through the real server', () => {
	let t: TestApp;
	let lesson: TestLesson;
	let admin: string;
	let urbanRoom: string;
	let ruralRoom: string;
	const clients: TestClient[] = [];
	const students: Record<string, { id: string; client: TestClient }> = {};
	let quiz1 = '';
	let quiz2 = '';
	let dash: LessonDashboard;

	const api = async (method: string, route: string, body?: unknown, token: string | null = admin) => {
		const res = await fetch(`${t.url}${route}`, {
			method,
			headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body)
		});
		return { status: res.status, body: (res.headers.get('content-type') ?? '').includes('json') ? await res.json() : Buffer.from(await res.arrayBuffer()), headers: res.headers };
	};
	const lessonEvents = () => t.events.filter((e) => e.lessonId === lesson.lesson.id);
	const connect = async (token: string) => {
		const c = new TestClient(t.url, token);
		clients.push(c);
		await c.joinLesson();
		return c;
	};

	beforeAll(async () => {
		t = await startTestApp({ ANALYTICS_FLUSH_MS: '50' });
		admin = new URL(t.app.adminUrl).searchParams.get('token') ?? '';
		const urban = (await api('POST', '/api/schools', { name: 'Central Primary', locale: 'urban' })).body as { id: string };
		const rural = (await api('POST', '/api/schools', { name: 'Hillside Primary', locale: 'rural' })).body as { id: string };
		urbanRoom = ((await api('POST', '/api/classrooms', { schoolId: urban.id, name: 'Class 3A' })).body as { id: string }).id;
		ruralRoom = ((await api('POST', '/api/classrooms', { schoolId: rural.id, name: 'Class 1' })).body as { id: string }).id;
		lesson = await createLesson(t, 2, { classroomIds: [urbanRoom, ruralRoom] });

		const teacher = await connect(lesson.token('teacher'));
		const screenU = await connect(lesson.token('classroom', 0));
		let screenR = await connect(lesson.token('classroom', 1));
		for (const [key, room] of [['u1', 0], ['u2', 0], ['u3', 0], ['r1', 1], ['r2', 1], ['r3', 1]] as const) {
			const joined = await joinByCode(t, { code: lesson.joinCode(room), name: `Student ${key}` });
			expect(joined.status).toBe(201);
			students[key] = { id: joined.grant!.student.id, client: await connect(joined.grant!.token) };
		}
		const s = (key: string) => students[key]!.client;

		await teacher.ok('lesson.setStudentChat', { mode: 'chat' });
		await waitFor(() => s('u1').latestSnapshot()?.studentChat === 'chat' || undefined);
		await s('u1').ok('hand.raise', {});
		await s('r1').ok('hand.raise', {});
		await s('r2').ok('hand.raise', {});
		await screenU.ok('hand.raise', {});
		await s('u1').ok('chat.send', { text: 'hello from U' });
		await s('u1').ok('chat.send', { text: 'and again' });
		await s('r3').ok('chat.send', { text: 'hello from R' });
		await teacher.ok('chat.send', { text: 'welcome all' });
		await teacher.ok('lesson.setStudentChat', { mode: 'questions' });
		await waitFor(() => s('r2').latestSnapshot()?.studentChat === 'questions' || undefined);
		await s('r2').ok('chat.send', { text: 'Why is 1/2 more than 1/3?' });

		const q1 = await teacher.ok('poll.open', { spec: { kind: 'single', question: 'Which is bigger?', options: ['1/3', '1/2'], correct: 1 } });
		quiz1 = q1.id;
		const answer = (key: string, pollId: string, a: Parameters<TestClient['ok']>[1]) => s(key).ok('poll.answer', { pollId, answer: a } as never);
		await answer('u1', quiz1, { kind: 'single', option: 1 } as never);
		await answer('u2', quiz1, { kind: 'single', option: 0 } as never);
		await answer('u2', quiz1, { kind: 'single', option: 1 } as never);
		await answer('u3', quiz1, { kind: 'single', option: 1 } as never);
		await answer('r1', quiz1, { kind: 'single', option: 1 } as never);
		await answer('r2', quiz1, { kind: 'single', option: 0 } as never);
		await teacher.ok('poll.close', { pollId: quiz1 });

		// Room R's screen drops and stays away past the grace period (3 s in tests); r3 leaves for good.
		screenR.close();
		s('r3').close();
		await waitFor(() => lessonEvents().filter((e) => e.type === 'participant.left').length === 2 || undefined, 10_000, 'two leaves');
		screenR = await connect(lesson.token('classroom', 1));

		const q2 = await teacher.ok('poll.open', { spec: { kind: 'truefalse', question: '2/4 = 1/2', correct: true, anonymous: true } });
		quiz2 = q2.id;
		await answer('u1', quiz2, { kind: 'truefalse', value: true } as never);
		await answer('u2', quiz2, { kind: 'truefalse', value: true } as never);
		await answer('u3', quiz2, { kind: 'truefalse', value: false } as never);
		await answer('r1', quiz2, { kind: 'truefalse', value: true } as never);
		await teacher.ok('poll.close', { pollId: quiz2 });

		// Sampled system events with known values (the real monitor's own samples, if any, count too).
		const now = Date.now();
		const teacherId = teacher.join!.self.id;
		const sys = (classroomId: string) => ({ actor: 'system', role: 'system' as const, classroomId });
		t.app.bus.publish(lesson.lesson.id, 'network.quality', sys(urbanRoom), { lossFraction: 0.01, rttMs: 40, score: 10, sendBitrate: 1e6, recvBitrate: 1e6 }, now - 61_000);
		t.app.bus.publish(lesson.lesson.id, 'network.quality', sys(urbanRoom), { lossFraction: 0.2, rttMs: 40, score: 9, sendBitrate: 1e6, recvBitrate: 1e6 }, now - 1000);
		t.app.bus.publish(lesson.lesson.id, 'network.quality', sys(ruralRoom), { lossFraction: 0, rttMs: 650, score: 8, sendBitrate: 5e5, recvBitrate: 5e5 }, now - 1000);
		t.app.bus.publish(lesson.lesson.id, 'speaking.segment', { actor: teacherId, role: 'teacher', classroomId: null }, { participantId: teacherId, startedAt: now - 9000, durationMs: 4000 }, now - 5000);
		t.app.bus.publish(lesson.lesson.id, 'speaking.segment', { actor: teacherId, role: 'teacher', classroomId: null }, { participantId: teacherId, startedAt: now - 4000, durationMs: 2000 }, now - 2000);
		const screenUId = screenU.join!.self.id;
		t.app.bus.publish(lesson.lesson.id, 'speaking.segment', { actor: screenUId, role: 'classroom', classroomId: urbanRoom }, { participantId: screenUId, startedAt: now - 2000, durationMs: 1500 }, now - 500);

		const res = await api('GET', `/api/analytics/lessons/${lesson.lesson.id}`);
		expect(res.status).toBe(200);
		dash = res.body as LessonDashboard;
	}, 60_000);

	afterAll(async () => {
		for (const c of clients) c.close();
		await t.stop();
	});

	const room = <T extends { classroomId: string }>(rows: T[], id: string) => {
		const row = rows.find((r) => r.classroomId === id);
		if (!row) throw new Error(`no row for ${id}`);
		return row;
	};

	it('counts joins, leaves and students per classroom', () => {
		expect(dash.lesson.classrooms.map((c) => [c.name, c.locale])).toEqual([
			['Class 3A', 'urban'],
			['Class 1', 'rural']
		]);
		expect(dash.lesson.students).toBe(6);
		// U: its screen + 3 students joined once. R: its screen twice (a real leave, then back) + 3 students.
		expect(room(dash.attendance.rooms, urbanRoom)).toMatchObject({ joins: 4, rejoins: 0, leaves: 0, students: 3 });
		expect(room(dash.attendance.rooms, ruralRoom)).toMatchObject({ joins: 5, rejoins: 0, leaves: 2, students: 3 });
	});

	it('adds up minutes present from the join and leave times', () => {
		// By hand from the events: each person present from a join to the next leave, else to the lesson's last event.
		const events = lessonEvents();
		const end = Math.max(...events.map((e) => e.at));
		const minutes = (filter: (e: ClassroomEvent) => boolean) => {
			let total = 0;
			const open = new Map<string, number>();
			for (const e of events.filter(filter)) {
				if (e.type === 'participant.joined' && !open.has(e.actor)) open.set(e.actor, e.at);
				if (e.type === 'participant.left' && open.has(e.actor)) {
					total += e.at - open.get(e.actor)!;
					open.delete(e.actor);
				}
			}
			for (const since of open.values()) total += end - since;
			return total / 60000;
		};
		for (const id of [urbanRoom, ruralRoom]) {
			const r = room(dash.attendance.rooms, id);
			expect(r.studentMinutes).toBeCloseTo(minutes((e) => e.classroomId === id && e.role === 'student'), 6);
			expect(r.roomMinutes).toBeCloseTo(minutes((e) => e.classroomId === id && e.role === 'classroom'), 6);
		}
		// The per-minute series never shows more students than the room has, and R's screen is missing for a while.
		expect(Math.max(...dash.attendance.series.filter((p) => p.classroomId === urbanRoom).map((p) => p.students))).toBe(3);
		expect(dash.attendance.series.filter((p) => p.classroomId === ruralRoom).every((p) => p.students <= 3)).toBe(true);
	});

	it('counts hands, chat and questions per classroom', () => {
		expect(room(dash.interaction, urbanRoom)).toEqual({ classroomId: urbanRoom, hands: 2, handRaisers: 1, chat: 2, questions: 0 });
		expect(room(dash.interaction, ruralRoom)).toEqual({ classroomId: ruralRoom, hands: 2, handRaisers: 2, chat: 1, questions: 1 });
	});

	it('gives poll participation and accuracy per question and classroom', () => {
		const [p1, p2] = dash.polls;
		expect(p1).toMatchObject({ pollId: quiz1, quiz: true, anonymous: false, answered: 5, correct: 4 });
		expect(p1?.accuracy).toBeCloseTo(4 / 5, 9);
		expect(room(p1!.rooms, urbanRoom)).toMatchObject({ eligible: 3, answered: 3, participation: 1, correct: 3, accuracy: 1 });
		const r1 = room(p1!.rooms, ruralRoom);
		expect(r1).toMatchObject({ eligible: 3, answered: 2, correct: 1, accuracy: 0.5 });
		expect(r1.participation).toBeCloseTo(2 / 3, 9);
		// Anonymous: participation per room only, no accuracy anywhere; a room with one answer shows none.
		expect(p2).toMatchObject({ pollId: quiz2, quiz: true, anonymous: true, answered: 3, correct: null, accuracy: null });
		expect(room(p2!.rooms, urbanRoom)).toMatchObject({ eligible: 3, answered: 3, participation: 1, correct: null, accuracy: null, withheld: false });
		expect(room(p2!.rooms, ruralRoom)).toMatchObject({ eligible: 2, answered: 0, participation: null, correct: null, accuracy: null, withheld: true });
	});

	it('keeps anonymous answers without an actor in the store', async () => {
		const rows = await t.app.analytics.current()!.store.all<{ actor: string; subject: string | null; data: string }>(
			`SELECT actor, subject, data FROM events WHERE poll_id = '${quiz2}' AND type IN ('poll.answered', 'poll.changed')`
		);
		expect(rows).toHaveLength(3);
		const ids = Object.values(students).map((s) => s.id);
		for (const r of rows) {
			expect(r.actor).toBe('anonymous');
			expect(r.subject).toBeNull();
			for (const id of ids) expect(r.data).not.toContain(id);
		}
	});

	it('splits talk time and reports degraded network minutes with the rule', () => {
		const segments = lessonEvents().filter((e) => e.type === 'speaking.segment') as Extract<ClassroomEvent, { type: 'speaking.segment' }>[];
		const sum = (f: (e: ClassroomEvent) => boolean) => segments.filter(f).reduce((n, e) => n + e.data.durationMs, 0);
		expect(dash.talk.teacherMs).toBe(sum((e) => e.role === 'teacher'));
		expect(dash.talk.teacherMs).toBeGreaterThanOrEqual(6000);
		expect(room(dash.talk.rooms, urbanRoom).ms).toBe(sum((e) => e.classroomId === urbanRoom));
		expect(room(dash.talk.rooms, ruralRoom).ms).toBe(sum((e) => e.classroomId === ruralRoom));

		const samples = lessonEvents().filter((e) => e.type === 'network.quality') as Extract<ClassroomEvent, { type: 'network.quality' }>[];
		const rule = dash.network.rule;
		expect(rule.text).toContain('degraded');
		for (const id of [urbanRoom, ruralRoom]) {
			const mine = samples.filter((e) => e.classroomId === id);
			const minutes = new Set(mine.map((e) => Math.floor(e.at / 60000)));
			const bad = new Set(
				mine.filter((e) => e.data.lossFraction > rule.lossFraction || (e.data.rttMs ?? 0) > rule.rttMs || (e.data.score ?? 10) < rule.score).map((e) => Math.floor(e.at / 60000))
			);
			expect(room(dash.network.rooms, id)).toMatchObject({ samples: mine.length, sampledMinutes: minutes.size, degradedMinutes: bad.size });
			expect(bad.size).toBeGreaterThanOrEqual(1);
		}
	});

	it('scores each student and room by the formula it returns', () => {
		const { formula, students: rows, rooms } = dash.activity;
		expect(formula.weights).toEqual(SCORE_WEIGHTS);
		expect(formula.text).toContain('score = 100');
		const events = lessonEvents();
		const lessonMinutes = (Math.max(...events.map((e) => e.at)) - Math.min(...events.map((e) => e.at))) / 60000;
		// Named polls open while present: quiz 1 for everyone (quiz 2 is anonymous). Script's counts:
		const expected: Record<string, { answered: number; correct: number; hands: number; messages: number }> = {
			u1: { answered: 1, correct: 1, hands: 1, messages: 2 },
			u2: { answered: 1, correct: 1, hands: 0, messages: 0 },
			u3: { answered: 1, correct: 1, hands: 0, messages: 0 },
			r1: { answered: 1, correct: 1, hands: 1, messages: 0 },
			r2: { answered: 1, correct: 0, hands: 1, messages: 1 },
			r3: { answered: 0, correct: 0, hands: 0, messages: 1 }
		};
		const w = SCORE_WEIGHTS;
		const scores: Record<string, number> = {};
		for (const [key, want] of Object.entries(expected)) {
			const row = rows.find((r) => r.studentId === students[key]!.id)!;
			expect(row).toMatchObject({ name: `Student ${key}`, pollsOpen: 1, quizOpen: 1, pollsAnswered: want.answered, quizCorrect: want.correct, hands: want.hands });
			expect(row.chat + row.questions).toBe(want.messages);
			const presence = Math.min(1, row.minutesPresent / lessonMinutes);
			const score =
				(100 *
					(w.presence * presence +
						w.answered * want.answered +
						w.correct * want.correct +
						w.hands * Math.min(1, want.hands / HANDS_FULL) +
						w.messages * Math.min(1, want.messages / MESSAGES_FULL))) /
				(w.presence + w.answered + w.correct + w.hands + w.messages);
			expect(row.score).toBeCloseTo(score, 1);
			scores[key] = row.score;
		}
		const mean = (keys: string[]) => keys.reduce((n, k) => n + scores[k]!, 0) / keys.length;
		expect(room(rooms, urbanRoom).score).toBeCloseTo(mean(['u1', 'u2', 'u3']), 1);
		expect(room(rooms, ruralRoom).score).toBeCloseTo(mean(['r1', 'r2', 'r3']), 1);
	});

	it('filters the dashboard by classroom', async () => {
		const res = await api('GET', `/api/analytics/lessons/${lesson.lesson.id}?classroomId=${ruralRoom}`);
		const only = res.body as LessonDashboard;
		expect(only.attendance.rooms.map((r) => r.classroomId)).toEqual([ruralRoom]);
		expect(only.activity.students.every((s) => s.classroomId === ruralRoom)).toBe(true);
	});

	it('summarises the settled lesson for trends and the urban/rural comparison', async () => {
		await t.app.analytics.current()!.settle(true);
		const trends = (await api('GET', '/api/analytics/trends?scope=classroom')).body as Trends;
		const u = trends.series.find((s) => s.id === urbanRoom)!;
		const r = trends.series.find((s) => s.id === ruralRoom)!;
		// Participation = answers ÷ answer slots over the polls a room has figures for: U (3 + 3) ÷ (3 + 3),
		// R only quiz 1 (its quiz 2 figures are withheld), 2 ÷ 3.
		expect(u.points[0]?.participation).toBeCloseTo(6 / 6, 9);
		expect(r.points[0]?.participation).toBeCloseTo(2 / 3, 9);
		expect(u.points[0]?.accuracy).toBe(1);
		expect(r.points[0]?.accuracy).toBe(0.5);
		expect(u.points[0]?.hands).toBe(2);
		expect(r.points[0]?.messages).toBe(2);
		const school = (await api('GET', '/api/analytics/trends?scope=school')).body as Trends;
		expect(school.series.map((s) => s.locale).sort()).toEqual(['rural', 'urban']);
		const student = (await api('GET', `/api/analytics/trends?scope=student&id=${students.r2!.id}`)).body as Trends;
		expect(student.series).toHaveLength(1);
		expect(student.series[0]?.points[0]).toMatchObject({ participation: 1, accuracy: 0, hands: 1, messages: 1 });

		const compare = (await api('GET', '/api/analytics/compare')).body as UrbanRuralComparison;
		expect(compare.lessons.map((l) => l.lessonId)).toEqual([lesson.lesson.id]);
		expect(compare.urban.participation).toBeCloseTo(6 / 6, 9);
		expect(compare.rural.participation).toBeCloseTo(2 / 3, 9);
		expect(compare.urban.accuracy).toBe(1);
		expect(compare.rural.accuracy).toBe(0.5);
		expect(compare.urban.handsPerStudent).toBeCloseTo(2 / 3, 9);
		expect(compare.rural.messagesPerStudent).toBeCloseTo(2 / 3, 9);
		expect(compare.rural.degradedShare).toBe(1);
	});

	it('exports Parquet that DuckDB reads back equal to the table, with pseudonyms instead of ids', async () => {
		const res = await api('GET', `/api/analytics/export?format=parquet&lessonId=${lesson.lesson.id}`);
		expect(res.status).toBe(200);
		expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="classbridge-events-.*\.parquet"/);
		const file = path.join(t.dataDir, 'readback.parquet');
		const { writeFile } = await import('node:fs/promises');
		await writeFile(file, res.body as Buffer);
		const db = await DuckDBInstance.create(':memory:');
		const conn = await db.connect();
		const back = (await conn.runAndReadAll(`SELECT * FROM read_parquet('${file}') ORDER BY seq`)).getRowObjectsJson();
		const store = t.app.analytics.current()!;
		const table = await store.store.all<Record<string, unknown>>(`SELECT * FROM events WHERE lesson_id = '${lesson.lesson.id}' ORDER BY seq`);
		expect(back).toHaveLength(table.length);
		const pseudo = store.pseudonymizer;
		for (let i = 0; i < table.length; i++) {
			const want = table[i]!;
			const got = back[i]!;
			for (const column of ['seq', 'id', 'lesson_id', 'at_ms', 'type', 'role', 'classroom_id', 'v', 'poll_id', 'anonymous', 'correct', 'flag', 'duration_ms', 'loss', 'rtt_ms', 'score']) {
				expect(got[column] === null ? null : String(got[column]), `${column} of row ${i}`).toBe(want[column] === null ? null : String(want[column]));
			}
			expect(got.actor).toBe(pseudo.of(String(want.actor)));
			expect(got.subject).toBe(want.subject === null ? null : pseudo.of(String(want.subject)));
		}
		conn.closeSync();
		db.closeSync();
		const text = JSON.stringify(back);
		for (const s of Object.values(students)) expect(text).not.toContain(s.id);

		const csv = await api('GET', `/api/analytics/export?format=csv&table=summaries&lessonId=${lesson.lesson.id}`);
		expect(csv.status).toBe(200);
		const lines = (csv.body as Buffer).toString('utf8').trim().split('\n');
		expect(lines[0]).toContain('classroom_id');
		expect(lines).toHaveLength(3);
	});

	it('writes xAPI statements that validate against the schema', async () => {
		const schema = JSON.parse(await readFile(new URL('./xapi.schema.json', import.meta.url), 'utf8'));
		// strictRequired off: the Agent's oneOf names the one identifier each branch requires, declared once above it.
		const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
		addFormats(ajv);
		const validate = ajv.compile(schema);
		const res = await api('GET', `/api/analytics/export?format=xapi&lessonId=${lesson.lesson.id}`);
		expect(res.status).toBe(200);
		const statements = res.body as XapiStatement[];
		const learnerTypes = ['participant.joined', 'participant.left', 'poll.answered', 'poll.changed', 'question.asked', 'chat.sent', 'hand.raised'];
		expect(statements).toHaveLength(lessonEvents().filter((e) => learnerTypes.includes(e.type)).length);
		for (const statement of statements) {
			expect(validate(statement), JSON.stringify(validate.errors)).toBe(true);
		}
		const answers = statements.filter((s) => s.verb.id === 'http://adlnet.gov/expapi/verbs/answered');
		expect(answers).toHaveLength(9);
		// Quiz 1: u1, u2 (its change), u3, r1 right; quiz 2 (anonymous accounts): u1 and u2 right (r1's lone answer is withheld).
		expect(answers.filter((s) => s.result?.success === true)).toHaveLength(6);
		expect(answers.filter((s) => s.result?.success === false)).toHaveLength(3);
		expect(answers.filter((s) => s.actor.account.name === 'anonymous')).toHaveLength(3);
		expect(statements.some((s) => s.verb.id.endsWith('/asked'))).toBe(true);
		expect(statements.some((s) => s.verb.id.endsWith('/commented'))).toBe(true);
		expect(statements.some((s) => s.verb.id.endsWith('/attended'))).toBe(true);
		const text = JSON.stringify(statements);
		for (const s of Object.values(students)) expect(text).not.toContain(s.id);
		// The schema is not a rubber stamp.
		expect(validate({ ...statements[0], actor: { objectType: 'Agent', name: 'x' } })).toBe(false);
		expect(validate({ ...statements[0], timestamp: 'yesterday' })).toBe(false);
	});

	it('refuses a named export without the staff choice, and logs one that has it', async () => {
		expect((await api('GET', `/api/analytics/export?format=csv&lessonId=${lesson.lesson.id}&names=true`)).status).toBe(403);
		expect((await api('GET', `/api/analytics/export?format=csv&lessonId=${lesson.lesson.id}&names=true&confirm=yes`)).status).toBe(403);
		const named = await api('GET', `/api/analytics/export?format=csv&table=students&lessonId=${lesson.lesson.id}&names=true&confirm=${CONFIRM_NAMED_EXPORT}`);
		expect(named.status).toBe(200);
		expect((named.body as Buffer).toString('utf8')).toContain('Student u1');
		const audit = (await api('GET', '/api/analytics/audit')).body as { records: { action: string; detail: string }[] };
		expect(audit.records.filter((r) => r.action === 'export.named')).toHaveLength(1);
		const plain = await api('GET', `/api/analytics/export?format=csv&table=students&lessonId=${lesson.lesson.id}`);
		expect((plain.body as Buffer).toString('utf8')).not.toContain('Student u1');
	});

	it('serves the data API to a live staff-issued token only, in pages', async () => {
		expect((await api('GET', '/api/data/v1/events', undefined, null)).status).toBe(401);
		expect((await api('GET', '/api/data/v1/events', undefined, 'not-a-token')).status).toBe(401);
		expect((await api('GET', '/api/data/v1/events', undefined, admin)).status).toBe(401);
		expect((await api('GET', '/api/analytics/tokens', undefined, null)).status).toBe(401);

		const created = (await api('POST', '/api/analytics/tokens', { name: 'District hub' })).body as CreatedApiToken;
		expect(created.token).toBeTruthy();
		const listed = (await api('GET', '/api/analytics/tokens')).body as ApiTokenList;
		expect(listed.tokens.map((x) => x.id)).toEqual([created.info.id]);
		expect(JSON.stringify(listed)).not.toContain(created.token);

		const seen: DataEvent[] = [];
		let next: string | null = `/api/data/v1/events?lessonId=${lesson.lesson.id}&limit=7`;
		let pages = 0;
		while (next) {
			const res = await api('GET', next, undefined, created.token);
			expect(res.status).toBe(200);
			const page = res.body as DataPage<DataEvent>;
			expect(page.items.length).toBeLessThanOrEqual(7);
			seen.push(...page.items);
			next = page.next;
			pages++;
		}
		const stored = await t.app.analytics.current()!.store.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM events WHERE lesson_id = '${lesson.lesson.id}'`);
		expect(seen).toHaveLength(stored!.n);
		expect(pages).toBe(Math.ceil(stored!.n / 7));
		expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length);
		const text = JSON.stringify(seen);
		for (const s of Object.values(students)) {
			expect(text).not.toContain(s.id);
			expect(text).not.toContain(`Student `);
		}
		const lessons = (await api('GET', '/api/data/v1/lessons', undefined, created.token)).body as DataPage<{ lessonId: string }>;
		expect(lessons.items.map((l) => l.lessonId)).toContain(lesson.lesson.id);
		const rooms = (await api('GET', '/api/data/v1/classrooms?limit=1', undefined, created.token)).body as DataPage<{ classroomId: string }>;
		expect(rooms.items).toHaveLength(1);
		expect(rooms.next).toContain('cursor=');
		const summaries = (await api('GET', `/api/data/v1/summaries?lessonId=${lesson.lesson.id}`, undefined, created.token)).body as DataPage<{ classroomId: string }>;
		expect(summaries.items).toHaveLength(2);
		expect((await api('GET', '/api/data/v1/events?cursor=bogus', undefined, created.token)).status).toBe(400);

		expect((await api('DELETE', `/api/analytics/tokens/${created.info.id}`)).status).toBe(200);
		expect((await api('GET', '/api/data/v1/events', undefined, created.token)).status).toBe(401);
	});

	it('refuses wrong inputs with a clear error', async () => {
		const bad = async (method: string, route: string, status: number, body?: unknown) => {
			const res = await api(method, route, body);
			expect(res.status, route).toBe(status);
			expect((res.body as { error: { message: string } }).error.message).toBeTruthy();
		};
		await bad('GET', '/api/analytics/lessons?from=yesterday', 400);
		await bad('GET', '/api/analytics/lessons?from=2026-02-30', 400);
		await bad('GET', '/api/analytics/lessons?from=2026-03-02&to=2026-03-01', 400);
		await bad('GET', '/api/analytics/lessons/les_nope', 404);
		await bad('GET', '/api/analytics/lessons/bad%20id', 400);
		await bad('GET', '/api/analytics/export?format=xlsx', 400);
		await bad('GET', '/api/analytics/export?format=csv&lessonId=les_nope', 404);
		await bad('GET', '/api/analytics/trends?scope=planet', 400);
		await bad('GET', '/api/analytics/warnings?drop=3', 400);
		await bad('POST', '/api/analytics/purge', 400, { olderThanDays: 30 });
		await bad('POST', '/api/analytics/purge', 400, { olderThanDays: 30, confirm: false });
		const kept = await api('POST', '/api/analytics/purge', { olderThanDays: 30, confirm: true });
		expect(kept.status).toBe(200);
		expect(kept.body).toMatchObject({ removedEvents: 0, removedLessons: 0 });
	});
});
