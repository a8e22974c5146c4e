import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CLASS_LIST, MAX_TYPED_NAMES, TYPED_NAMES_PER_LESSON, type ClassList, type JoinInfo } from '../../protocol/index.ts';
import { createLesson, joinByCode, startTestApp, TestClient, type TestApp, type TestLesson } from '../../app/testing/harness.ts';

/** Names students type can neither fill a class list nor carry invisible or reordering characters. */
describe('typed names on the class list', () => {
	let t: TestApp;
	let lesson: TestLesson;
	let teacher: TestClient;
	let assistant: TestClient;

	beforeAll(async () => {
		// One trusted proxy hop: each phone says its address in X-Forwarded-For.
		t = await startTestApp({ TRUST_PROXY: '1' });
		lesson = await createLesson(t, 3);
		teacher = new TestClient(t.url, lesson.token('teacher'));
		assistant = new TestClient(t.url, lesson.token('assistant', 0));
		await Promise.all([teacher.joinLesson(), assistant.joinLesson()]);
	});
	afterAll(async () => {
		teacher.close();
		assistant.close();
		await t.stop();
	});

	const join = async (address: string, body: Record<string, unknown>) => {
		const res = await fetch(`${t.url}/api/join`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
			body: JSON.stringify(body)
		});
		return { status: res.status, body: (await res.json()) as { student?: { id: string; name: string }; deviceToken?: string; error?: { code: string; message: string } } };
	};
	const typedIn = (list: ClassList) => list.students.filter((s) => !s.listed);

	it('a flood of typed names from one address stops at the per-lesson cap; listed names and classList.add keep working', async () => {
		await assistant.ok('classList.add', { names: ['Listed One', 'Listed Two'] });
		const statuses: number[] = [];
		let refusal: { code: string; message: string } | undefined;
		for (let i = 0; i < TYPED_NAMES_PER_LESSON + 25; i++) {
			const reply = await join('198.51.100.7', { code: lesson.joinCode(0), name: `Bot ${i}` });
			statuses.push(reply.status);
			refusal ??= reply.body.error;
		}
		expect(statuses.slice(0, TYPED_NAMES_PER_LESSON).every((s) => s === 201)).toBe(true);
		expect(statuses.slice(TYPED_NAMES_PER_LESSON).every((s) => s === 409)).toBe(true);
		expect(refusal).toMatchObject({ code: 'typed_names_full', message: expect.stringContaining('ask your assistant') });
		expect(typedIn(await assistant.ok('classList.get', {}))).toHaveLength(TYPED_NAMES_PER_LESSON);

		// Real students: a listed name picked or typed from the same school network joins.
		const info = (await (await fetch(`${t.url}/api/join/${lesson.joinCode(0)}`, { headers: { 'x-forwarded-for': '198.51.100.7' } })).json()) as JoinInfo;
		const pick = info.students.find((s) => s.name === 'Listed One')!.pick;
		expect((await join('198.51.100.7', { code: lesson.joinCode(0), pick })).status).toBe(201);
		expect((await join('198.51.100.7', { code: lesson.joinCode(0), name: 'listed two' })).status).toBe(201);
		// The assistant adds the names of those who could not type theirs, and they pick them.
		const added = await assistant.ok('classList.add', { names: Array.from({ length: 60 }, (_, i) => `Pupil ${i}`) });
		expect(added.students.filter((s) => s.listed)).toHaveLength(62);
		expect((await join('198.51.100.7', { code: lesson.joinCode(0), name: 'Pupil 7' })).status).toBe(201);
		// Other rooms of the lesson are not touched.
		expect((await join('198.51.100.7', { code: lesson.joinCode(1), name: 'Someone new' })).status).toBe(201);
	});

	it('keeps separate caps: a room holding every typed name it may still takes the whole listed class list', async () => {
		const room = lesson.classroomIds[2]!;
		await t.app.catalog.addStudents(room, Array.from({ length: MAX_TYPED_NAMES }, (_, i) => `Typed ${i}`), false);
		for (let start = 0; start < MAX_CLASS_LIST; start += 100) {
			await teacher.ok('classList.add', { classroomId: room, names: Array.from({ length: 100 }, (_, i) => `Listed ${start + i}`) });
		}
		const list = await teacher.ok('classList.get', { classroomId: room });
		expect(list.students.filter((s) => s.listed)).toHaveLength(MAX_CLASS_LIST);
		expect(typedIn(list)).toHaveLength(MAX_TYPED_NAMES);
		expect(await teacher.send('classList.add', { classroomId: room, names: ['One too many'] })).toMatchObject({ ok: false, error: { code: 'conflict' } });
		const typed = await join('203.0.113.9', { code: lesson.joinCode(2), name: 'Late typer' });
		expect(typed).toMatchObject({ status: 409, body: { error: { code: 'typed_names_full' } } });
	});

	it('a phone holds one typed name per room: typing another renames its own unaccepted entry', async () => {
		const first = await join('203.0.113.20', { code: lesson.joinCode(1), name: 'Kid A' });
		const second = await join('203.0.113.20', { code: lesson.joinCode(1), name: 'Kid B', deviceToken: first.body.deviceToken });
		expect(second.body.student).toEqual({ id: first.body.student!.id, name: 'Kid B' });
		const list = await teacher.ok('classList.get', { classroomId: lesson.classroomIds[1]! });
		expect(list.students.filter((s) => s.name.startsWith('Kid '))).toEqual([{ id: first.body.student!.id, name: 'Kid B', listed: false }]);
		// Once accepted it is a listed name of its own: a new typed name is a new entry.
		await teacher.ok('classList.accept', { studentId: first.body.student!.id });
		const third = await join('203.0.113.20', { code: lesson.joinCode(1), name: 'Kid C', deviceToken: second.body.deviceToken });
		expect(third.body.student?.id).not.toBe(first.body.student!.id);
	});

	it('normalises names wherever they enter: the join, classList.add and classList.rename', async () => {
		const code = lesson.joinCode(1);
		const bidi = await join('203.0.113.30', { code, name: '\u202Egnaw\u202C  \u200Bli\u2066 \u2069lei\u200F' });
		expect(bidi.body.student?.name).toBe('gnaw li lei');
		const hidden = await join('203.0.113.30', { code, name: '\u3164\u200D\uFEFF' });
		expect(hidden).toMatchObject({ status: 400, body: { error: { code: 'invalid' } } });
		expect((await join('203.0.113.30', { code, name: `${'x'.repeat(40)}\u200B\u200B` })).body.student?.name).toBe('x'.repeat(40));
		expect((await join('203.0.113.30', { code, name: 'x'.repeat(41) })).status).toBe(400);

		const room = lesson.classroomIds[1]!;
		const added = await teacher.ok('classList.add', { classroomId: room, names: ['Zhang\tWei\u202E', '\uFF37\uFF41\uFF4E\uFF47 Yu'] });
		expect(added.students.map((s) => s.name)).toEqual(expect.arrayContaining(['Zhang Wei', 'Ｗａｎｇ Yu']));
		// Full-width and case variants are the same listed name.
		expect(await teacher.ok('classList.add', { classroomId: room, names: ['wang yu', 'zhangwei'] })).toEqual(added);
		const zhang = added.students.find((s) => s.name === 'Zhang Wei')!;
		const renamed = await teacher.ok('classList.rename', { studentId: zhang.id, name: 'Zhang\u0000 Wei\u2067 B' });
		expect(renamed.students.find((s) => s.id === zhang.id)?.name).toBe('Zhang Wei B');
		expect(await teacher.send('classList.rename', { studentId: zhang.id, name: '\u202E\u202C' })).toMatchObject({ ok: false, error: { code: 'invalid' } });
	});
});
