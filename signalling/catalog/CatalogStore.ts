import { randomInt, randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { MAX_CLASS_LIST, type Classroom, type LessonRecord, type School, type Student } from '../protocol/index.ts';
import { SignallingError, notFound } from '../errors.ts';
import { moduleLogger } from '../logger.ts';
import { writeFileAtomic } from '../writeFileAtomic.ts';

const log = moduleLogger('catalog');

/** Join-code alphabet: no 0/O, 1/I/L, so codes read well off a classroom screen. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 6;

const FileSchema = z.object({
	version: z.literal(1),
	schools: z.array(z.object({ id: z.string(), name: z.string(), locale: z.enum(['urban', 'rural']), createdAt: z.number() })),
	classrooms: z.array(z.object({ id: z.string(), schoolId: z.string(), name: z.string(), createdAt: z.number() })),
	lessons: z.array(
		z.object({
			id: z.string(),
			title: z.string(),
			teacherName: z.string(),
			classroomIds: z.array(z.string()),
			joinCodes: z.record(z.string(), z.string()),
			createdAt: z.number(),
			linksExpireAt: z.number(),
			status: z.enum(['scheduled', 'live', 'ended']),
			// Added with recording; older files have none.
			autoRecord: z.boolean().default(false)
		})
	),
	// Added with the class lists; older files have none.
	students: z
		.array(
			z.object({
				id: z.string(),
				classroomId: z.string(),
				name: z.string(),
				listed: z.boolean(),
				createdAt: z.number(),
				mergedInto: z.string().nullable()
			})
		)
		.default([])
});
type CatalogFile = z.infer<typeof FileSchema>;

function shortId(prefix: string): string {
	return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

/**
 * Schools, classrooms and lessons, persisted as one JSON file in the data folder. Classroom ids are
 * stable across lessons (analytics follows a room over a term). Writes are serialised and atomic
 * (temp file + rename), so a crash never leaves half a file.
 */
export class CatalogStore {
	readonly #file: string;
	#data: CatalogFile = { version: 1, schools: [], classrooms: [], lessons: [], students: [] };
	#writes: Promise<void> = Promise.resolve();
	#pendingWrite: Promise<void> | null = null;

	private constructor(file: string) {
		this.#file = file;
	}

	static async open(dataDir: string): Promise<CatalogStore> {
		const store = new CatalogStore(path.join(dataDir, 'catalog.json'));
		await mkdir(dataDir, { recursive: true });
		try {
			const raw = JSON.parse(await readFile(store.#file, 'utf8'));
			store.#data = FileSchema.parse(raw);
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
				throw new Error(`cannot read ${store.#file}: ${(error as Error).message}`);
			}
		}
		log.info({ schools: store.#data.schools.length, lessons: store.#data.lessons.length }, 'catalog loaded');
		return store;
	}

	schools(): School[] {
		return structuredClone(this.#data.schools);
	}

	classrooms(): Classroom[] {
		return structuredClone(this.#data.classrooms);
	}

	school(id: string): School | undefined {
		return this.#data.schools.find((s) => s.id === id);
	}

	classroom(id: string): Classroom | undefined {
		return this.#data.classrooms.find((c) => c.id === id);
	}

	async addSchool(name: string, locale: 'urban' | 'rural'): Promise<School> {
		if (this.#data.schools.some((s) => s.name.toLowerCase() === name.toLowerCase())) {
			throw new SignallingError('conflict', `a school named "${name}" exists already`);
		}
		const school: School = { id: shortId('sch'), name, locale, createdAt: Date.now() };
		this.#data.schools.push(school);
		await this.#save();
		return structuredClone(school);
	}

	async addClassroom(schoolId: string, name: string): Promise<Classroom> {
		if (!this.school(schoolId)) throw notFound(`no school ${schoolId}`);
		if (this.#data.classrooms.some((c) => c.schoolId === schoolId && c.name.toLowerCase() === name.toLowerCase())) {
			throw new SignallingError('conflict', `this school has a classroom named "${name}" already`);
		}
		const classroom: Classroom = { id: shortId('cls'), schoolId, name, createdAt: Date.now() };
		this.#data.classrooms.push(classroom);
		await this.#save();
		return structuredClone(classroom);
	}

	lessons(): LessonRecord[] {
		return structuredClone(this.#data.lessons).sort((a, b) => b.createdAt - a.createdAt);
	}

	lesson(id: string): LessonRecord | undefined {
		const lesson = this.#data.lessons.find((l) => l.id === id);
		return lesson && structuredClone(lesson);
	}

	/** The lesson and classroom a student join code belongs to. */
	findJoinCode(code: string): { lessonId: string; classroomId: string } | undefined {
		const found = this.lookupJoinCode(code);
		return found && found.lesson.status !== 'ended' ? { lessonId: found.lesson.id, classroomId: found.classroomId } : undefined;
	}

	/** Like findJoinCode, ended lessons included (so a phone can be told the lesson is over). */
	lookupJoinCode(code: string): { lesson: LessonRecord; classroomId: string } | undefined {
		const wanted = code.trim().toUpperCase();
		for (const lesson of this.#data.lessons) {
			for (const [classroomId, c] of Object.entries(lesson.joinCodes)) {
				if (c === wanted) return { lesson: structuredClone(lesson), classroomId };
			}
		}
		return undefined;
	}

	/** A classroom's class list: listed names alphabetically, then typed ones oldest first; merged entries left out. */
	students(classroomId: string): Student[] {
		const active = this.#data.students.filter((s) => s.classroomId === classroomId && s.mergedInto === null);
		const listed = active.filter((s) => s.listed).sort((a, b) => a.name.localeCompare(b.name));
		const typed = active.filter((s) => !s.listed).sort((a, b) => a.createdAt - b.createdAt);
		return structuredClone([...listed, ...typed]);
	}

	/** The entry itself, merged or not. */
	student(id: string): Student | undefined {
		const student = this.#data.students.find((s) => s.id === id);
		return student && structuredClone(student);
	}

	/** The entry an id stands for now: merged entries lead to the one they were merged into. */
	resolveStudent(id: string): Student | undefined {
		let student = this.#data.students.find((s) => s.id === id);
		for (let hops = 0; student?.mergedInto && hops < 16; hops++) {
			const into: string = student.mergedInto;
			student = this.#data.students.find((s) => s.id === into);
		}
		return student && !student.mergedInto ? structuredClone(student) : undefined;
	}

	/** The listed entry with this name (case and spacing ignored), if any. */
	listedByName(classroomId: string, name: string): Student | undefined {
		const student = this.#data.students.find((s) => s.classroomId === classroomId && s.listed && !s.mergedInto && sameName(s.name, name));
		return student && structuredClone(student);
	}

	/** Adds names to a class list. Listed names already on the list are skipped; returns the entries added. */
	async addStudents(classroomId: string, names: string[], listed: boolean): Promise<Student[]> {
		if (!this.classroom(classroomId)) throw notFound(`no classroom ${classroomId}`);
		const added: Student[] = [];
		for (const name of names) {
			if (listed && (this.listedByName(classroomId, name) || added.some((s) => sameName(s.name, name)))) continue;
			added.push({ id: shortId('stu'), classroomId, name, listed, createdAt: Date.now(), mergedInto: null });
		}
		const size = this.#data.students.filter((s) => s.classroomId === classroomId && !s.mergedInto).length;
		if (size + added.length > MAX_CLASS_LIST) {
			throw new SignallingError('conflict', `a class list holds at most ${MAX_CLASS_LIST} names; merge or remove typed names first`);
		}
		if (added.length === 0) return [];
		this.#data.students.push(...added);
		await this.#save();
		return structuredClone(added);
	}

	async renameStudent(id: string, name: string): Promise<Student> {
		const student = this.#activeStudent(id);
		const clash = student.listed ? this.listedByName(student.classroomId, name) : undefined;
		if (clash && clash.id !== id) throw new SignallingError('conflict', `"${clash.name}" is on the class list already; merge instead`);
		student.name = name;
		await this.#save();
		return structuredClone(student);
	}

	/** Takes a typed name into the list as it is. */
	async acceptStudent(id: string): Promise<Student> {
		const student = this.#activeStudent(id);
		if (student.listed) return structuredClone(student);
		const clash = this.listedByName(student.classroomId, student.name);
		if (clash) throw new SignallingError('conflict', `"${clash.name}" is on the class list already; merge instead`);
		student.listed = true;
		await this.#save();
		return structuredClone(student);
	}

	/** Folds a typed entry into a listed one of the same room; later joins of `fromId` become `intoId`. */
	async mergeStudent(fromId: string, intoId: string): Promise<Student> {
		const from = this.#activeStudent(fromId);
		const into = this.#activeStudent(intoId);
		if (from.id === into.id) throw new SignallingError('invalid', 'a name cannot be merged into itself');
		if (from.classroomId !== into.classroomId) throw new SignallingError('invalid', 'both names must be on the same class list');
		if (from.listed) throw new SignallingError('conflict', `"${from.name}" is a listed name; only typed names can be merged`);
		if (!into.listed) throw new SignallingError('conflict', `"${into.name}" is not on the class list; accept it first`);
		from.mergedInto = into.id;
		await this.#save();
		return structuredClone(into);
	}

	#activeStudent(id: string): Student {
		const student = this.#data.students.find((s) => s.id === id && !s.mergedInto);
		if (!student) throw notFound(`no student ${id} on a class list`);
		return student;
	}

	async addLesson(input: { title: string; teacherName: string; classroomIds: string[]; linksExpireAt: number; autoRecord?: boolean }): Promise<LessonRecord> {
		for (const id of input.classroomIds) {
			if (!this.classroom(id)) throw notFound(`no classroom ${id}`);
		}
		const used = new Set(this.#data.lessons.flatMap((l) => Object.values(l.joinCodes)));
		const joinCodes: Record<string, string> = {};
		for (const id of input.classroomIds) {
			let code: string;
			do {
				code = Array.from({ length: CODE_LENGTH }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('');
			} while (used.has(code));
			used.add(code);
			joinCodes[id] = code;
		}
		const lesson: LessonRecord = {
			id: shortId('les'),
			title: input.title,
			teacherName: input.teacherName,
			classroomIds: [...input.classroomIds],
			joinCodes,
			createdAt: Date.now(),
			linksExpireAt: input.linksExpireAt,
			status: 'scheduled',
			autoRecord: input.autoRecord ?? false
		};
		this.#data.lessons.push(lesson);
		await this.#save();
		return structuredClone(lesson);
	}

	async setLessonStatus(id: string, status: LessonRecord['status']): Promise<void> {
		const lesson = this.#data.lessons.find((l) => l.id === id);
		if (!lesson) throw notFound(`no lesson ${id}`);
		if (lesson.status === status) return;
		// An ended lesson stays ended: no path (a late join, a link, a code) makes it live again.
		if (lesson.status === 'ended') throw new SignallingError('conflict', 'this lesson has ended');
		lesson.status = status;
		await this.#save();
	}

	/**
	 * Changes made while a write is queued share that write (a classroom of students joining at
	 * once is one or two writes, not one each); the file is serialised when the write starts.
	 */
	#save(): Promise<void> {
		if (this.#pendingWrite) return this.#pendingWrite;
		const write = this.#writes.then(async () => {
			this.#pendingWrite = null;
			await writeFileAtomic(this.#file, JSON.stringify(this.#data, null, '\t'));
		});
		this.#pendingWrite = write;
		this.#writes = write.catch((error: Error) => log.error({ err: error.message }, 'catalog write failed'));
		return write;
	}
}

function sameName(a: string, b: string): boolean {
	const norm = (s: string) => s.replace(/\s+/g, ' ').trim().toLocaleLowerCase();
	return norm(a) === norm(b);
}
