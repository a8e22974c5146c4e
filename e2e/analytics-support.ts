import type { JoinGrant, LessonLinks, LessonRecord } from '../protocol/index.ts';
import { JOIN_API } from '../protocol/index.ts';
import { TestClient } from '../app/testing/harness.ts';
import { adminApi } from './api.ts';
import { serverInfo } from './support.ts';

/**
 * Drives a lesson through the real server with real socket.io clients (no browsers): a teacher,
 * one urban and one rural classroom device, three students a room joining by code on "phones"
 * (the same students in every lesson: each phone keeps its device token), a hand, a chat line, and
 * single-choice quizzes answered in given numbers.
 */

export interface ScriptedQuiz {
	question: string;
	options: string[];
	correct: number;
	/** Per room (in order), the option each of its students picks. */
	answers: number[][];
}

export interface ScriptedRoom {
	id: string;
	name: string;
	schoolName: string;
	locale: 'urban' | 'rural';
	/** Each student's device token, kept as a phone keeps it: the same students in every lesson. */
	devices: (string | undefined)[];
}

export interface ScriptedLessonResult {
	lesson: LessonRecord;
	rooms: ScriptedRoom[];
}

const STUDENTS_PER_ROOM = 3;

async function joinAsStudent(code: string, name: string, deviceToken: string | undefined): Promise<JoinGrant> {
	const res = await fetch(`${serverInfo().url}${JOIN_API}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ code, name, deviceToken })
	});
	if (!res.ok) throw new Error(`join ${code} as ${name}: ${res.status} ${await res.text()}`);
	return (await res.json()) as JoinGrant;
}

/** One urban and one rural room (new schools, so runs never collide). */
export async function createRooms(tag: string): Promise<ScriptedRoom[]> {
	const specs = [
		{ schoolName: `城东实验小学 ${tag}`, locale: 'urban' as const, name: '五年级一班' },
		{ schoolName: `青山村小学 ${tag}`, locale: 'rural' as const, name: '五年级复式班' }
	];
	const rooms: ScriptedRoom[] = [];
	for (const spec of specs) {
		const school = await adminApi<{ id: string }>('POST', '/api/schools', { name: spec.schoolName, locale: spec.locale });
		const room = await adminApi<{ id: string }>('POST', '/api/classrooms', { schoolId: school.id, name: spec.name });
		rooms.push({ id: room.id, ...spec, devices: [] });
	}
	return rooms;
}

export async function runScriptedLesson(title: string, rooms: ScriptedRoom[], quizzes: ScriptedQuiz[]): Promise<ScriptedLessonResult> {
	const { lesson, links } = await adminApi<{ lesson: LessonRecord; links: LessonLinks }>('POST', '/api/lessons', {
		title,
		teacherName: '陈老师',
		classroomIds: rooms.map((r) => r.id)
	});
	const url = serverInfo().url;
	const tokenOf = (link: string) => new URL(link).searchParams.get('t') ?? '';
	const clients: TestClient[] = [];
	const open = async (token: string) => {
		const client = new TestClient(url, token);
		clients.push(client);
		await client.joinLesson();
		return client;
	};
	try {
		const teacher = await open(tokenOf(links.teacher));
		await teacher.ok('lesson.setStudentChat', { mode: 'chat' });
		for (const entry of links.classrooms) await open(tokenOf(entry.room));
		const students: TestClient[][] = [];
		for (const [r, entry] of links.classrooms.entries()) {
			const devices = rooms[r]?.devices ?? [];
			const room: TestClient[] = [];
			for (let s = 0; s < STUDENTS_PER_ROOM; s++) {
				const grant = await joinAsStudent(entry.joinCode, `学生${r + 1}-${s + 1}`, devices[s]);
				devices[s] = grant.deviceToken;
				room.push(await open(grant.token));
			}
			students.push(room);
		}
		// A hand up and down in the first room, one chat line from the second.
		const first = students[0]?.[0];
		if (first) {
			await first.ok('hand.raise', {});
			await first.ok('hand.lower', {});
		}
		await students[1]?.[0]?.ok('chat.send', { text: '老师，我有一个问题' });

		for (const quiz of quizzes) {
			const poll = await teacher.ok('poll.open', { spec: { kind: 'single', question: quiz.question, options: quiz.options, correct: quiz.correct } });
			for (const [r, picks] of quiz.answers.entries()) {
				for (const [s, option] of picks.entries()) {
					const student = students[r]?.[s];
					if (!student) throw new Error(`room ${r} has no student ${s}`);
					await student.ok('poll.answer', { pollId: poll.id, answer: { kind: 'single', option } });
				}
			}
			await teacher.ok('poll.close', { pollId: poll.id });
			await teacher.ok('poll.reveal', { pollId: poll.id });
		}
	} finally {
		for (const client of clients.reverse()) client.close();
	}
	return { lesson, rooms };
}
