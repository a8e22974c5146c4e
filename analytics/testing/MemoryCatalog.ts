import { randomUUID } from 'node:crypto';
import type { Classroom, LessonRecord, School, Student } from '../../protocol/index.ts';
import type { CatalogSource } from '../DimensionSync.ts';

const newId = (prefix: string) => `${prefix}_${randomUUID().slice(0, 8)}`;

/** A catalog in memory for analytics tests: schools, classrooms and class lists, merges included. */
export class MemoryCatalog implements CatalogSource {
	readonly #schools: School[] = [];
	readonly #classrooms: Classroom[] = [];
	readonly #lessons: LessonRecord[] = [];
	readonly #students: Student[] = [];

	schools(): School[] {
		return structuredClone(this.#schools);
	}

	classrooms(): Classroom[] {
		return structuredClone(this.#classrooms);
	}

	lessons(): LessonRecord[] {
		return structuredClone(this.#lessons);
	}

	/** The active entries of a class list: listed names first. */
	students(classroomId: string): Student[] {
		const active = this.#students.filter((s) => s.classroomId === classroomId && !s.mergedInto && !s.removedAt);
		return structuredClone([...active.filter((s) => s.listed), ...active.filter((s) => !s.listed)]);
	}

	student(id: string): Student | undefined {
		const student = this.#students.find((s) => s.id === id);
		return student && structuredClone(student);
	}

	resolveStudent(id: string): Student | undefined {
		let student = this.#students.find((s) => s.id === id);
		while (student?.mergedInto) {
			const into: string = student.mergedInto;
			student = this.#students.find((s) => s.id === into);
		}
		return student && !student.removedAt ? structuredClone(student) : undefined;
	}

	addSchool(name: string, locale: School['locale']): School {
		const school: School = { id: newId('sch'), name, locale, createdAt: Date.now() };
		this.#schools.push(school);
		return structuredClone(school);
	}

	addLesson(input: { id: string; title: string; classroomIds: string[]; replayOf?: string }): LessonRecord {
		const lesson: LessonRecord = {
			id: input.id,
			title: input.title,
			teacherName: 'T',
			classroomIds: [...input.classroomIds],
			joinCodes: {},
			createdAt: Date.now(),
			linksExpireAt: Date.now() + 3_600_000,
			status: 'scheduled',
			autoRecord: false,
			...(input.replayOf ? { replayOf: input.replayOf } : {})
		};
		this.#lessons.push(lesson);
		return structuredClone(lesson);
	}

	addClassroom(schoolId: string, name: string): Classroom {
		const classroom: Classroom = { id: newId('cls'), schoolId, name, createdAt: Date.now() };
		this.#classrooms.push(classroom);
		return structuredClone(classroom);
	}

	addStudents(classroomId: string, names: string[], listed: boolean): Student[] {
		const added = names.map((name): Student => ({ id: newId('stu'), classroomId, name, listed, createdAt: Date.now(), mergedInto: null }));
		this.#students.push(...added);
		return structuredClone(added);
	}

	/** A typed entry merged into a listed one: its id now resolves to the listed entry. */
	mergeStudent(fromId: string, intoId: string): void {
		const from = this.#students.find((s) => s.id === fromId);
		if (!from) throw new Error(`no student ${fromId}`);
		from.mergedInto = intoId;
	}
}
