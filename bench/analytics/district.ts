import type { Classroom, LessonRecord, School, Student } from '../../protocol/index.ts';
import type { CatalogSource } from '../../analytics/DimensionSync.ts';
import type { IncomingEvent } from '../../analytics/eventRow.ts';

/**
 * A synthetic district for the analytics bench: 50 schools (10 urban, 40 rural), 200 classrooms,
 * 25 students each. 50 pairings of one urban and three rural rooms each hold a 45-minute lesson
 * every other school day, so a year of 190 school days is ~4,750 lessons; each lesson makes
 * ~2,100 events in a realistic mix (network samples every 10 s per room are the bulk, then joins,
 * poll answers, speaking segments, board edits, hands, chat). A deterministic PRNG makes every
 * run the same district. Some students drift away over the year, so the early warnings have work.
 */
export const ROOMS = 200;
export const STUDENTS_PER_ROOM = 25;
const PAIRINGS = 50;
const LESSON_MINUTES = 45;
const DAY = 86_400_000;

/** mulberry32: small, fast, deterministic. */
function prng(seed: number) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export class District implements CatalogSource {
	readonly #schools: School[] = [];
	readonly #classrooms: Classroom[] = [];
	readonly #students = new Map<string, Student[]>();
	readonly #lessons: LessonRecord[] = [];
	readonly #pairings: string[][] = [];
	/** Students whose participation fades over the year. */
	readonly #drifting = new Set<string>();
	readonly #random = prng(20260901);

	constructor() {
		for (let s = 0; s < 50; s++) {
			this.#schools.push({ id: `sch_${s}`, name: `School ${s}`, locale: s < 10 ? 'urban' : 'rural', createdAt: 0 });
		}
		for (let r = 0; r < ROOMS; r++) {
			const school = r < 40 ? `sch_${r % 10}` : `sch_${10 + (r % 40)}`;
			this.#classrooms.push({ id: `cls_${r}`, schoolId: school, name: `Room ${r}`, createdAt: 0 });
			const list: Student[] = [];
			for (let i = 0; i < STUDENTS_PER_ROOM; i++) {
				const id = `stu_${r}_${i}`;
				list.push({ id, classroomId: `cls_${r}`, name: `Student ${r}-${i}`, listed: true, createdAt: 0, mergedInto: null });
				if (this.#random() < 0.04) this.#drifting.add(id);
			}
			this.#students.set(`cls_${r}`, list);
		}
		// Pairing p: urban room p % 40 with rural rooms 40 + 3p .. 40 + 3p + 2 (rural rooms appear once; urban rooms in 1-2 pairings).
		for (let p = 0; p < PAIRINGS; p++) {
			this.#pairings.push([`cls_${p % 40}`, `cls_${40 + ((3 * p) % 160)}`, `cls_${40 + ((3 * p + 1) % 160)}`, `cls_${40 + ((3 * p + 2) % 160)}`]);
		}
	}

	schools(): School[] {
		return this.#schools;
	}
	classrooms(): Classroom[] {
		return this.#classrooms;
	}
	lessons(): LessonRecord[] {
		return this.#lessons;
	}
	students(classroomId: string): Student[] {
		return this.#students.get(classroomId) ?? [];
	}
	student(id: string): Student | undefined {
		const [, room] = id.split('_');
		return this.#students.get(`cls_${room}`)?.find((s) => s.id === id);
	}
	resolveStudent(id: string): Student | undefined {
		return this.student(id);
	}

	/**
	 * School days in order until `events` have been made: each day's events of all its lessons,
	 * interleaved in time order as the live server would publish them.
	 */
	*daysUpTo(events: number, yearStart: number): Generator<IncomingEvent[]> {
		let made = 0;
		let day = 0;
		let counter = 0;
		while (made < events) {
			const date = new Date(yearStart + day * DAY);
			day++;
			if (date.getUTCDay() === 0 || date.getUTCDay() === 6) continue;
			const schoolDay = counter++;
			const today: IncomingEvent[] = [];
			for (let p = schoolDay % 2; p < PAIRINGS && made + today.length < events; p += 2) {
				const startAt = yearStart + (day - 1) * DAY + (8 + (p % 7)) * 3_600_000;
				today.push(...this.#lesson(`les_${schoolDay}_${p}`, this.#pairings[p]!, startAt, Math.min(1, schoolDay / 190)));
			}
			made += today.length;
			yield today.sort((a, b) => a.at - b.at);
		}
	}

	#lesson(id: string, rooms: string[], startAt: number, yearFraction: number): IncomingEvent[] {
		const rnd = this.#random;
		const out: IncomingEvent[] = [];
		let n = 0;
		const ev = (at: number, type: string, actor: string, role: string, classroomId: string | null, data: Record<string, unknown>) =>
			out.push({ v: 1, id: `${id}-${n++}`, lessonId: id, at: Math.round(at), type, actor, role, classroomId, data });
		const end = startAt + LESSON_MINUTES * 60_000;
		const teacher = `teacher-${id}`;
		this.#lessons.push({ id, title: `Lesson ${id}`, teacherName: `Teacher ${rooms[0]}`, classroomIds: rooms, joinCodes: {}, createdAt: startAt - 3_600_000, linksExpireAt: end, status: 'ended', autoRecord: false });
		ev(startAt, 'participant.joined', teacher, 'teacher', null, { displayName: 'T', rejoin: false });
		const present: { id: string; room: string }[] = [];
		for (const room of rooms) {
			ev(startAt + 5_000 + rnd() * 60_000, 'participant.joined', `room-${room}`, 'classroom', room, { displayName: room, rejoin: false });
			for (const s of this.students(room)) {
				const away = this.#drifting.has(s.id) ? 0.05 + 0.6 * yearFraction : 0.05;
				if (rnd() < away) continue;
				ev(startAt + 30_000 + rnd() * 240_000, 'participant.joined', s.id, 'student', room, { displayName: s.name, rejoin: false });
				present.push({ id: s.id, room });
				if (rnd() < 0.08) {
					const gone = startAt + 600_000 + rnd() * 1_200_000;
					ev(gone, 'participant.left', s.id, 'student', room, { reason: 'timeout' });
					ev(gone + 60_000 + rnd() * 300_000, 'participant.joined', s.id, 'student', room, { displayName: s.name, rejoin: false });
				}
			}
			// Network: every 10 s per room; rural rooms have worse links, some lessons much worse.
			const rural = !room.startsWith('cls_') || Number(room.slice(4)) >= 40;
			const bad = rural && rnd() < 0.2;
			for (let at = startAt + 10_000; at < end; at += 10_000) {
				const loss = Math.max(0, (bad ? 0.06 : rural ? 0.01 : 0.002) + (rnd() - 0.5) * 0.04);
				ev(at, 'network.quality', 'system', 'system', room, { lossFraction: loss, rttMs: (rural ? 180 : 40) + rnd() * (bad ? 500 : 120), score: bad ? 4 + Math.floor(rnd() * 5) : 8 + Math.floor(rnd() * 3), sendBitrate: 8e5, recvBitrate: 1.5e6 });
			}
		}
		for (let k = 0; k < 3; k++) {
			const pollId = `${id}-p${k}`;
			const anonymous = k === 2;
			const openAt = startAt + (10 + k * 12) * 60_000;
			ev(openAt, 'poll.opened', teacher, 'teacher', null, { pollId, kind: 'single', question: `Question ${k + 1}`, options: ['a', 'b', 'c', 'd'], anonymous, quiz: true, allowChange: true, timerSeconds: 60, prepared: true, slide: null });
			let answered = 0;
			for (const s of present) {
				const skip = this.#drifting.has(s.id) ? 0.1 + 0.7 * yearFraction : 0.12;
				if (rnd() < skip) continue;
				answered++;
				const right = rnd() < (this.#drifting.has(s.id) ? 0.75 - 0.5 * yearFraction : 0.72);
				const actor = anonymous ? 'anonymous' : s.id;
				ev(openAt + 3_000 + rnd() * 50_000, 'poll.answered', actor, 'student', s.room, { pollId, anonymous, options: [right ? 1 : 0], value: null, textLength: null, correct: right });
				if (rnd() < 0.05) ev(openAt + 55_000, 'poll.changed', actor, 'student', s.room, { pollId, anonymous, options: [1], value: null, textLength: null, correct: true });
			}
			ev(openAt + 60_000, 'poll.closed', 'system', 'system', null, { pollId, by: 'timer', answered });
			ev(openAt + 70_000, 'poll.revealed', teacher, 'teacher', null, { pollId, answered, correct: Math.round(answered * 0.7) });
		}
		for (let k = 0; k < 15 && present.length; k++) {
			const s = present[Math.floor(rnd() * present.length)]!;
			const at = startAt + rnd() * (end - startAt - 120_000);
			ev(at, 'hand.raised', s.id, 'student', s.room, { participantId: s.id });
			ev(at + 30_000 + rnd() * 60_000, 'hand.lowered', teacher, 'teacher', null, { participantId: s.id, by: 'teacher' });
		}
		for (let k = 0; k < 15 && present.length; k++) {
			const s = present[Math.floor(rnd() * present.length)]!;
			ev(startAt + rnd() * (end - startAt), k % 3 === 0 ? 'question.asked' : 'chat.sent', s.id, 'student', s.room, { messageId: `${id}-m${k}`, length: 10 + Math.floor(rnd() * 60) });
		}
		for (let at = startAt + 60_000; at < end; at += 30_000) {
			const room = rnd() < 0.7 ? null : rooms[Math.floor(rnd() * rooms.length)]!;
			const actor = room ? `room-${room}` : teacher;
			ev(at + 20_000, 'speaking.segment', actor, room ? 'classroom' : 'teacher', room, { participantId: actor, startedAt: at, durationMs: 5_000 + rnd() * 20_000 });
		}
		for (let k = 0; k < 30; k++) ev(startAt + k * 90_000, 'slide.shown', teacher, 'teacher', null, { kind: 'deck', deckId: 'deck', page: k + 1, boardId: null });
		for (let k = 0; k < 60; k++) ev(startAt + rnd() * (end - startAt), 'board.changed', teacher, 'teacher', null, { boardId: 'b', added: 1, updated: 3, removed: 0, windowMs: 1000 });
		for (const s of present) ev(end + rnd() * 30_000, 'participant.left', s.id, 'student', s.room, { reason: 'disconnect' });
		for (const room of rooms) ev(end + 40_000, 'participant.left', `room-${room}`, 'classroom', room, { reason: 'disconnect' });
		ev(end + 60_000, 'participant.left', teacher, 'teacher', null, { reason: 'disconnect' });
		return out;
	}
}
