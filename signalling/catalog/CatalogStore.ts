import { randomInt, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Classroom, LessonRecord, School } from '../protocol/index.ts';
import { SignallingError, notFound } from '../errors.ts';
import { moduleLogger } from '../logger.ts';

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
			status: z.enum(['scheduled', 'live', 'ended'])
		})
	)
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
	#data: CatalogFile = { version: 1, schools: [], classrooms: [], lessons: [] };
	#writes: Promise<void> = Promise.resolve();

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
		const wanted = code.trim().toUpperCase();
		for (const lesson of this.#data.lessons) {
			if (lesson.status === 'ended') continue;
			for (const [classroomId, c] of Object.entries(lesson.joinCodes)) {
				if (c === wanted) return { lessonId: lesson.id, classroomId };
			}
		}
		return undefined;
	}

	async addLesson(input: { title: string; teacherName: string; classroomIds: string[]; linksExpireAt: number }): Promise<LessonRecord> {
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
			status: 'scheduled'
		};
		this.#data.lessons.push(lesson);
		await this.#save();
		return structuredClone(lesson);
	}

	async setLessonStatus(id: string, status: LessonRecord['status']): Promise<void> {
		const lesson = this.#data.lessons.find((l) => l.id === id);
		if (!lesson) throw notFound(`no lesson ${id}`);
		if (lesson.status === status) return;
		lesson.status = status;
		await this.#save();
	}

	#save(): Promise<void> {
		const snapshot = JSON.stringify(this.#data, null, '\t');
		this.#writes = this.#writes.then(async () => {
			const tmp = `${this.#file}.${process.pid}.tmp`;
			await writeFile(tmp, snapshot);
			await rename(tmp, this.#file);
		});
		return this.#writes;
	}
}
