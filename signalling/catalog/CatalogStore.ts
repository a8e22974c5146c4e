import { createHmac, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import {
	MAX_CLASS_LIST,
	MAX_TYPED_NAMES,
	StudentNameSchema,
	TYPED_NAMES_PER_LESSON,
	sameStudentName,
	type Classroom,
	type LessonRecord,
	type School,
	type Student
} from '../../protocol/index.ts';
import { InvariantError, AppError, notFound } from '../../core/errors.ts';
import { moduleLogger } from '../../core/logger.ts';
import { writeFileAtomic } from '../../core/writeFileAtomic.ts';
import { StudentClaims } from './StudentClaims.ts';
import type { CatalogReplica } from './CatalogReplica.ts';

const log = moduleLogger('catalog');

/** Join-code alphabet: no 0/O, 1/I/L, so codes read well off a classroom screen. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 6;

const FileSchema = z.object({
	version: z.literal(1),
	/** With a replica: the revision of the shared copy this one is (CatalogReplica). */
	rev: z.number().int().nonnegative().default(0),
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
			autoRecord: z.boolean().default(false),
			// Added with replayed sessions.
			replayOf: z.string().nullable().optional()
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
				mergedInto: z.string().nullable(),
				// Added with approvals for held names, the typed-name caps and removal; older files have none.
				heldAt: z.number().nullable().default(null),
				typedInLesson: z.string().nullable().default(null),
				removedAt: z.number().nullable().default(null)
			})
		)
		.default([]),
	/** Key of the per-lesson pick handles the join page shows instead of student ids. */
	pickKey: z.string().optional(),
	/** Per student, the holder key of the device that got its link last; older links stop working. */
	holders: z.record(z.string(), z.string()).default({})
});
type CatalogFile = z.infer<typeof FileSchema>;
type StoredStudent = CatalogFile['students'][number];

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
	#data: CatalogFile = { version: 1, rev: 0, schools: [], classrooms: [], lessons: [], students: [], holders: {} };
	#writes: Promise<void> = Promise.resolve();
	#pendingWrite: Promise<void> | null = null;
	readonly #roomListeners = new Set<(lessonId: string, classroomId: string) => void>();
	/** Phones waiting for approval to join as a held name (in memory: a restart drops them). */
	readonly claims = new StudentClaims();
	#replica: CatalogReplica | null = null;

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
		if (!store.#data.pickKey) {
			store.#data.pickKey = randomBytes(32).toString('base64url');
			await store.#save();
		}
		store.claims.onChange((lessonId, classroomId) => store.roomChanged(lessonId, classroomId));
		log.info({ schools: store.#data.schools.length, lessons: store.#data.lessons.length }, 'catalog loaded');
		return store;
	}

	/**
	 * Shares the catalog with the other nodes of a deployment: the copy in the replica wins over this
	 * node's file at start (or this one seeds it), each save is published, and another node's save
	 * replaces this copy. Saves are whole documents and the newest wins: two nodes changing the
	 * catalog within the same moment keep only one of the two changes.
	 */
	async replicate(replica: CatalogReplica): Promise<void> {
		const shared = await replica.load();
		if (shared) await this.#adopt(shared.rev, shared.json);
		else this.#data.rev = await replica.publish(JSON.stringify(this.#data), this.#data.rev);
		this.#replica = replica;
		replica.onLost(async () => {
			this.#data.rev = await replica.publish(JSON.stringify(this.#data), this.#data.rev);
		});
		replica.onRemote((rev, json) => {
			if (rev <= this.#data.rev) return; // this node's own save, or an older one
			this.#adopt(rev, json).catch((error: Error) => log.error({ err: error.message }, 'catalog from another node not taken'));
		});
	}

	async #adopt(rev: number, json: string): Promise<void> {
		const parsed = FileSchema.safeParse(JSON.parse(json));
		if (!parsed.success) throw new Error(`the shared catalog is not valid: ${parsed.error.message}`);
		this.#data = { ...parsed.data, rev };
		await this.#writes;
		await writeFileAtomic(this.#file, JSON.stringify(this.#data, null, '\t'));
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
			throw new AppError('conflict', `a school named "${name}" exists already`);
		}
		const school: School = { id: shortId('sch'), name, locale, createdAt: Date.now() };
		this.#data.schools.push(school);
		await this.#save();
		return structuredClone(school);
	}

	async addClassroom(schoolId: string, name: string): Promise<Classroom> {
		if (!this.school(schoolId)) throw notFound(`no school ${schoolId}`);
		if (this.#data.classrooms.some((c) => c.schoolId === schoolId && c.name.toLowerCase() === name.toLowerCase())) {
			throw new AppError('conflict', `this school has a classroom named "${name}" already`);
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

	/**
	 * The class list of a room changed outside a socket request (a phone joined, a claim opened or
	 * was answered): whoever shows it for that lesson should send it again.
	 */
	onRoomChanged(listener: (lessonId: string, classroomId: string) => void): () => void {
		this.#roomListeners.add(listener);
		return () => this.#roomListeners.delete(listener);
	}

	roomChanged(lessonId: string, classroomId: string): void {
		for (const listener of this.#roomListeners) {
			try {
				listener(lessonId, classroomId);
			} catch (error) {
				log.error({ err: (error as Error).message }, 'class list listener failed');
			}
		}
	}

	/** A classroom's class list: listed names alphabetically, then typed ones oldest first; merged and removed entries left out. */
	students(classroomId: string): Student[] {
		const active = this.#data.students.filter((s) => s.classroomId === classroomId && isActive(s));
		const listed = active.filter((s) => s.listed).sort((a, b) => a.name.localeCompare(b.name));
		const typed = active.filter((s) => !s.listed).sort((a, b) => a.createdAt - b.createdAt);
		return structuredClone([...listed, ...typed]);
	}

	/** The entry itself, merged or removed or not. */
	student(id: string): Student | undefined {
		const student = this.#data.students.find((s) => s.id === id);
		return student && structuredClone(student);
	}

	/** The entry an id stands for now: merged entries lead to the one they were merged into; removed ones to nothing. */
	resolveStudent(id: string): Student | undefined {
		let student = this.#data.students.find((s) => s.id === id);
		for (let hops = 0; student?.mergedInto && hops < 16; hops++) {
			const into: string = student.mergedInto;
			student = this.#data.students.find((s) => s.id === into);
		}
		return student && isActive(student) ? structuredClone(student) : undefined;
	}

	/** The listed entry with this name (compared by studentNameKey), if any. */
	listedByName(classroomId: string, name: string): Student | undefined {
		const student = this.#data.students.find((s) => s.classroomId === classroomId && s.listed && isActive(s) && sameStudentName(s.name, name));
		return student && structuredClone(student);
	}

	/**
	 * Adds names to a class list. Listed names already on the list are skipped; returns the entries
	 * added. Listed and typed names have caps of their own, so typed names never block listed ones.
	 */
	async addStudents(classroomId: string, names: string[], listed: boolean): Promise<Student[]> {
		if (!this.classroom(classroomId)) throw notFound(`no classroom ${classroomId}`);
		const added: StoredStudent[] = [];
		for (const raw of names) {
			const name = cleanName(raw);
			if (listed && (this.listedByName(classroomId, name) || added.some((s) => sameStudentName(s.name, name)))) continue;
			added.push(newStudent(classroomId, name, listed, null));
		}
		if (listed && this.#count(classroomId, true) + added.length > MAX_CLASS_LIST) {
			throw new AppError('conflict', `a class list holds at most ${MAX_CLASS_LIST} names`);
		}
		if (!listed && this.#count(classroomId, false) + added.length > MAX_TYPED_NAMES) {
			throw new AppError('conflict', `a room holds at most ${MAX_TYPED_NAMES} typed names; accept, merge or remove some first`);
		}
		if (added.length === 0) return [];
		this.#data.students.push(...added);
		await this.#save();
		return structuredClone(added);
	}

	/**
	 * A name a student typed on a phone in a lesson. Null when the room has taken all the new typed
	 * names it may in this lesson (or holds all it may at all): the student asks their assistant.
	 */
	async addTypedStudent(classroomId: string, rawName: string, lessonId: string): Promise<Student | null> {
		if (!this.classroom(classroomId)) throw notFound(`no classroom ${classroomId}`);
		const inLesson = this.#data.students.filter((s) => s.classroomId === classroomId && s.typedInLesson === lessonId).length;
		if (inLesson >= TYPED_NAMES_PER_LESSON || this.#count(classroomId, false) >= MAX_TYPED_NAMES) return null;
		const student = newStudent(classroomId, cleanName(rawName), false, lessonId);
		student.heldAt = student.createdAt;
		this.#data.students.push(student);
		await this.#save();
		return structuredClone(student);
	}

	async renameStudent(id: string, rawName: string): Promise<Student> {
		const name = cleanName(rawName);
		const student = this.#activeStudent(id);
		const clash = student.listed ? this.listedByName(student.classroomId, name) : undefined;
		if (clash && clash.id !== id) throw new AppError('conflict', `"${clash.name}" is on the class list already; merge instead`);
		student.name = name;
		await this.#save();
		return structuredClone(student);
	}

	/** Takes a typed name into the list as it is. */
	async acceptStudent(id: string): Promise<Student> {
		const student = this.#activeStudent(id);
		if (student.listed) return structuredClone(student);
		const clash = this.listedByName(student.classroomId, student.name);
		if (clash) throw new AppError('conflict', `"${clash.name}" is on the class list already; merge instead`);
		if (this.#count(student.classroomId, true) >= MAX_CLASS_LIST) {
			throw new AppError('conflict', `a class list holds at most ${MAX_CLASS_LIST} names`);
		}
		student.listed = true;
		await this.#save();
		return structuredClone(student);
	}

	/** Folds a typed entry into a listed one of the same room; later joins of `fromId` become `intoId`. */
	async mergeStudent(fromId: string, intoId: string): Promise<Student> {
		const from = this.#activeStudent(fromId);
		const into = this.#activeStudent(intoId);
		if (from.id === into.id) throw new AppError('invalid', 'a name cannot be merged into itself');
		if (from.classroomId !== into.classroomId) throw new AppError('invalid', 'both names must be on the same class list');
		if (from.listed) throw new AppError('conflict', `"${from.name}" is a listed name; only typed names can be merged`);
		if (!into.listed) throw new AppError('conflict', `"${into.name}" is not on the class list; accept it first`);
		from.mergedInto = into.id;
		await this.#save();
		return structuredClone(into);
	}

	/**
	 * Takes typed names off their list: they no longer show anywhere and their device tokens resolve
	 * to nothing. The entries stay in the file (removedAt), so events that name them keep a label.
	 * All or nothing: a listed, merged or unknown id refuses the whole request.
	 */
	async removeTypedStudents(ids: string[]): Promise<Student[]> {
		const students = [...new Set(ids)].map((id) => this.#activeStudent(id));
		const listed = students.find((s) => s.listed);
		if (listed) throw new AppError('conflict', `"${listed.name}" is a listed name; only typed names can be removed`);
		const now = Date.now();
		for (const student of students) student.removedAt = now;
		if (students.length) await this.#save();
		return structuredClone(students);
	}

	/**
	 * A device joins as this entry. True when no device held it before (it is this device's now);
	 * false when one did, so another phone needs the assistant's approval. Synchronous, so two
	 * phones picking the same free name at once cannot both get it.
	 */
	takeIfFree(id: string): boolean {
		const student = this.#activeStudent(id);
		if (student.heldAt !== null) return false;
		student.heldAt = Date.now();
		void this.#save().catch(() => undefined);
		return true;
	}

	/**
	 * A device gets this entry's link (an approved claim, a free name, its own again): the entry is
	 * held from now on, and the returned holder key goes into the new link. A device showing the
	 * current key keeps it; any other gets a new one, and links with an older key stop working, so a
	 * phone that was replaced while it was offline cannot take the name back.
	 */
	hold(id: string, presented?: string): string {
		const student = this.#data.students.find((s) => s.id === id && isActive(s));
		const firstHold = student !== undefined && student.heldAt === null;
		if (student && firstHold) student.heldAt = Date.now();
		const current = this.#data.holders[id];
		const kept = presented !== undefined && presented === current;
		const key = kept ? current : randomBytes(9).toString('base64url');
		this.#data.holders[id] = key;
		if (firstHold || !kept) void this.#save().catch(() => undefined);
		return key;
	}

	/** Whether a link's holder key is this entry's current one (links without a key predate holders). */
	holdsNow(id: string, key: string | undefined): boolean {
		const current = this.#data.holders[id];
		return key === undefined || current === undefined || current === key;
	}

	/** The handle a listed name is picked by in one lesson: opaque, different in every lesson. */
	pickHandle(lessonId: string, studentId: string): string {
		const key = this.#data.pickKey;
		if (!key) throw new InvariantError('the catalog has no pick key (open() makes one)');
		return `pk_${createHmac('sha256', key).update(`${lessonId}\n${studentId}`).digest('base64url').slice(0, 22)}`;
	}

	/** The listed entry of this room a pick handle of this lesson stands for. */
	studentByPick(lessonId: string, classroomId: string, pick: string): Student | undefined {
		const wanted = Buffer.from(pick);
		const student = this.#data.students.find((s) => {
			if (s.classroomId !== classroomId || !s.listed || !isActive(s)) return false;
			const handle = Buffer.from(this.pickHandle(lessonId, s.id));
			return handle.length === wanted.length && timingSafeEqual(handle, wanted);
		});
		return student && structuredClone(student);
	}

	#count(classroomId: string, listed: boolean): number {
		return this.#data.students.filter((s) => s.classroomId === classroomId && s.listed === listed && isActive(s)).length;
	}

	#activeStudent(id: string): StoredStudent {
		const student = this.#data.students.find((s) => s.id === id && isActive(s));
		if (!student) throw notFound(`no student ${id} on a class list`);
		return student;
	}

	async addLesson(input: { title: string; teacherName: string; classroomIds: string[]; linksExpireAt: number; autoRecord?: boolean; replayOf?: string }): Promise<LessonRecord> {
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
			autoRecord: input.autoRecord ?? false,
			...(input.replayOf ? { replayOf: input.replayOf } : {})
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
		if (lesson.status === 'ended') throw new AppError('conflict', 'this lesson has ended');
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
			if (this.#replica) {
				this.#data.rev = await this.#replica.publish(JSON.stringify(this.#data), this.#data.rev).catch((error: Error) => {
					log.warn({ err: error.message }, 'catalog change not shared with the other nodes');
					return this.#data.rev;
				});
			}
			await writeFileAtomic(this.#file, JSON.stringify(this.#data, null, '\t'));
		});
		this.#pendingWrite = write;
		this.#writes = write.catch((error: Error) => log.error({ err: error.message }, 'catalog write failed'));
		return write;
	}
}

function isActive(student: StoredStudent): boolean {
	return student.mergedInto === null && student.removedAt === null;
}

function newStudent(classroomId: string, name: string, listed: boolean, typedInLesson: string | null): StoredStudent {
	return { id: shortId('stu'), classroomId, name, listed, createdAt: Date.now(), mergedInto: null, heldAt: null, typedInLesson, removedAt: null };
}

/** Every name entering a class list is normalised here too, whoever calls. */
function cleanName(raw: string): string {
	const parsed = StudentNameSchema.safeParse(raw);
	if (!parsed.success) throw new AppError('invalid', `"${raw.slice(0, 60)}": ${parsed.error.issues[0]?.message ?? 'not a name'}`);
	return parsed.data;
}
