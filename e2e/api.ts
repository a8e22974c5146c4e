import type { LessonLinks, LessonRecord } from '../protocol/index.ts';
import { serverInfo } from './support.ts';

/** Admin HTTP API calls for test setup (the admin UI itself is covered by admin.e2e.ts). */
export async function adminApi<T>(method: string, route: string, body?: unknown): Promise<T> {
	const { url, adminUrl } = serverInfo();
	const token = new URL(adminUrl).searchParams.get('token') ?? '';
	const res = await fetch(`${url}${route}`, {
		method,
		headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body)
	});
	if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
	return (await res.json()) as T;
}

export async function createTwoRoomLesson(title: string): Promise<{ lesson: LessonRecord; links: LessonLinks; rooms: string[] }> {
	const tag = Math.random().toString(36).slice(2, 6);
	const school = await adminApi<{ id: string }>('POST', '/api/schools', { name: `青山村小学 ${tag}`, locale: 'rural' });
	const rooms: string[] = [];
	for (const name of ['五年级一班', '五年级二班']) {
		rooms.push((await adminApi<{ id: string }>('POST', '/api/classrooms', { schoolId: school.id, name })).id);
	}
	const { lesson, links } = await adminApi<{ lesson: LessonRecord; links: LessonLinks }>('POST', '/api/lessons', {
		title,
		teacherName: '陈老师',
		classroomIds: rooms
	});
	return { lesson, links, rooms };
}
