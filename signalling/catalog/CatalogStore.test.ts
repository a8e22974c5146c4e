import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CatalogStore } from './CatalogStore.ts';

describe('CatalogStore', () => {
	const dirs: string[] = [];
	const tempDir = async () => {
		const dir = await mkdtemp(path.join(tmpdir(), 'cb-catalog-'));
		dirs.push(dir);
		return dir;
	};
	afterEach(async () => {
		await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
	});

	it('keeps schools, classroom ids and lessons across a restart', async () => {
		const dir = await tempDir();
		const a = await CatalogStore.open(dir);
		const school = await a.addSchool('Hillside', 'rural');
		const room = await a.addClassroom(school.id, 'Grade 4');
		const lesson = await a.addLesson({ title: 'Birds', teacherName: 'Mr Wu', classroomIds: [room.id], linksExpireAt: Date.now() + 1000 });
		const b = await CatalogStore.open(dir);
		expect(b.classroom(room.id)).toEqual(room);
		expect(b.lesson(lesson.id)?.joinCodes[room.id]).toMatch(/^[A-HJ-NP-Z2-9]{6}$/);
		expect(b.findJoinCode(lesson.joinCodes[room.id]?.toLowerCase() ?? '')).toEqual({ lessonId: lesson.id, classroomId: room.id });
	});

	it('refuses duplicates and unknown references, changing nothing', async () => {
		const dir = await tempDir();
		const store = await CatalogStore.open(dir);
		const school = await store.addSchool('Central', 'urban');
		await expect(store.addSchool('central', 'rural')).rejects.toMatchObject({ code: 'conflict' });
		await expect(store.addClassroom('sch_missing', 'X')).rejects.toMatchObject({ code: 'not_found' });
		await expect(store.addLesson({ title: 't', teacherName: 'n', classroomIds: ['cls_missing'], linksExpireAt: 0 })).rejects.toMatchObject({ code: 'not_found' });
		const saved = JSON.parse(await readFile(path.join(dir, 'catalog.json'), 'utf8'));
		expect(saved.schools).toEqual([school]);
		expect(saved.lessons).toEqual([]);
	});

	it('refuses to start on a corrupt file instead of overwriting it', async () => {
		const dir = await tempDir();
		await writeFile(path.join(dir, 'catalog.json'), '{"version":1,"schools":[');
		await expect(CatalogStore.open(dir)).rejects.toThrow(/cannot read/);
		expect(await readFile(path.join(dir, 'catalog.json'), 'utf8')).toBe('{"version":1,"schools":[');
	});

	it('keeps class lists across a restart, merged entries resolving to the listed one; older files without lists load', async () => {
		const dir = await tempDir();
		const a = await CatalogStore.open(dir);
		const school = await a.addSchool('Hillside', 'rural');
		const room = await a.addClassroom(school.id, 'Grade 4');
		const [listed] = await a.addStudents(room.id, ['Wang Fang'], true);
		const [typed] = await a.addStudents(room.id, ['wang fang?'], false);
		await a.mergeStudent(typed!.id, listed!.id);
		const b = await CatalogStore.open(dir);
		expect(b.students(room.id)).toEqual([listed]);
		expect(b.resolveStudent(typed!.id)).toEqual(listed);
		expect(b.student(typed!.id)?.mergedInto).toBe(listed!.id);

		const old = await tempDir();
		const file = JSON.parse(await readFile(path.join(dir, 'catalog.json'), 'utf8'));
		delete file.students;
		await writeFile(path.join(old, 'catalog.json'), JSON.stringify(file));
		expect((await CatalogStore.open(old)).students(room.id)).toEqual([]);
	});

	it('shares one file write between changes made while a write is queued', async () => {
		const dir = await tempDir();
		const store = await CatalogStore.open(dir);
		const school = await store.addSchool('Hillside', 'rural');
		const room = await store.addClassroom(school.id, 'Grade 5');
		await Promise.all(Array.from({ length: 50 }, (_, i) => store.addStudents(room.id, [`Student ${i}`], false)));
		const saved = JSON.parse(await readFile(path.join(dir, 'catalog.json'), 'utf8'));
		expect(saved.students).toHaveLength(50);
	});

	it('keeps held, typed-in-lesson and removed marks and the pick key across a restart', async () => {
		const dir = await tempDir();
		const a = await CatalogStore.open(dir);
		const school = await a.addSchool('Hillside', 'rural');
		const room = await a.addClassroom(school.id, 'Grade 4');
		const [listed] = await a.addStudents(room.id, ['Wang Fang'], true);
		const typed = (await a.addTypedStudent(room.id, 'Typed \u202Ename', 'les_1'))!;
		const junk = (await a.addTypedStudent(room.id, 'Junk', 'les_1'))!;
		expect(typed.name).toBe('Typed name');
		expect(a.takeIfFree(listed!.id)).toBe(true);
		expect(a.takeIfFree(listed!.id)).toBe(false);
		await a.removeTypedStudents([junk.id]);
		const handle = a.pickHandle('les_1', listed!.id);

		const b = await CatalogStore.open(dir);
		expect(b.takeIfFree(listed!.id)).toBe(false);
		expect(b.student(typed.id)).toMatchObject({ typedInLesson: 'les_1', heldAt: expect.any(Number), removedAt: null });
		expect(b.students(room.id).map((s) => s.name)).toEqual(['Wang Fang', 'Typed name']);
		expect(b.resolveStudent(junk.id)).toBeUndefined();
		expect(b.pickHandle('les_1', listed!.id)).toBe(handle);
		expect(b.studentByPick('les_1', room.id, handle)?.id).toBe(listed!.id);
		expect(b.studentByPick('les_2', room.id, handle)).toBeUndefined();
	});
});
