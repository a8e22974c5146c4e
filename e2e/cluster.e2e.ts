import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startRedisServer, type RedisServerHandle } from '../core/testing/redisServer.ts';
import { startServerProcess, type ServerProcess } from '../app/testing/serverProcess.ts';
import type { LessonLinks, LessonRecord } from '../protocol/index.ts';
import { candidatePairs, describePair } from './netns-support.ts';
import { expectFlowing, launchChromium, shot, teacherCamera } from './support.ts';

const MEDIA = path.resolve('e2e/.media');

let redis: RedisServerHandle | undefined;
const nodes: ServerProcess[] = [];

test.afterAll(async () => {
	await Promise.all(nodes.map((n) => n.stop()));
	await redis?.stop();
});

/**
 * Two nodes on one Redis, as a district runs them behind a balancer: the teacher opens the lesson on
 * node A, the classroom's screen opens the same lesson on node B (page, socket and board through
 * B). Each decodes the other's camera. The lesson is held on its origin, node A; the classroom's
 * media goes to node B, piped to A and back over PipeTransports.
 */
test('teacher on node A and a classroom on node B decode each other', async () => {
	redis = await startRedisServer();
	const env = (id: string) => ({ REDIS_URL: redis?.url ?? '', NODE_ID: id, LOG_LEVEL: 'info' });
	const [a, b] = await Promise.all([startServerProcess(env('node-a')), startServerProcess(env('node-b'))]);
	if (!a || !b) throw new Error('nodes did not start');
	nodes.push(a, b);
	const post = async <T>(route: string, body: unknown): Promise<T> => {
		const res = await fetch(`${a.url}${route}`, { method: 'POST', headers: { authorization: `Bearer ${a.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
		expect(res.status).toBe(201);
		return (await res.json()) as T;
	};
	const school = await post<{ id: string }>('/api/schools', { name: 'Hillside · 山边小学', locale: 'rural' });
	const room = await post<{ id: string }>('/api/classrooms', { schoolId: school.id, name: 'Grade 4' });
	const { lesson, links } = await post<{ lesson: LessonRecord; links: LessonLinks }>('/api/lessons', { title: 'Two nodes · 两个节点', teacherName: 'Ms Chen', classroomIds: [room.id] });
	const roomLink = new URL(links.classrooms[0]?.room ?? '');
	const onNodeB = `${b.url}${roomLink.pathname}${roomLink.search}`;

	const teacherBrowser = await launchChromium({ video: path.join(MEDIA, 'teacher-720p.y4m'), audio: path.join(MEDIA, 'tone.wav') });
	const roomBrowser = await launchChromium({ video: path.join(MEDIA, 'room-360p.y4m'), audio: path.join(MEDIA, 'room-tone.wav') });
	try {
		const teacher = await (await teacherBrowser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB' })).newPage();
		const screen = await (await roomBrowser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' })).newPage();
		await teacher.goto(links.teacher.replace(new URL(links.teacher).origin, a.url));
		await screen.goto(onNodeB);
		await expect(teacher.getByTestId('connection-state')).toHaveAttribute('data-state', 'connected', { timeout: 30_000 });
		await expect(screen.getByTestId('connection-state')).toHaveAttribute('data-state', 'connected', { timeout: 30_000 });
		const teacherSeen = await expectFlowing(screen, teacherCamera, 'the teacher (node A) at the classroom (node B)', 45_000);
		const roomCamera = await expectFlowing(teacher, (s) => s.kind === 'video' && s.source === 'camera' && s.classroomId === room.id, 'the classroom (node B) at the teacher (node A)', 45_000);
		console.log(`two nodes: the classroom decodes the teacher at ${teacherSeen.frameWidth}px, the teacher decodes the room at ${roomCamera.frameWidth}px`);
		await shot(screen, 'cluster-room-screen-on-node-b');

		const routed = (node: ServerProcess) => node.output().split('\n').some((line) => line.includes('lesson router created') && line.includes(lesson.id));
		const edged = (node: ServerProcess) => node.output().split('\n').some((line) => line.includes('edge router opened') && line.includes(lesson.id));
		expect([routed(a), routed(b), edged(a), edged(b)]).toEqual([true, false, false, true]);
		// Each browser's ICE ends on the node it reached.
		const [teacherPairs, roomPairs] = [await candidatePairs(teacher), await candidatePairs(screen)];
		console.log(`teacher: ${teacherPairs.map(describePair).join('; ')}\nroom: ${roomPairs.map(describePair).join('; ')}`);
		expect(new Set(teacherPairs.map((p) => p.remotePort))).toEqual(new Set([a.rtcPort]));
		expect(new Set(roomPairs.map((p) => p.remotePort))).toEqual(new Set([b.rtcPort]));
	} finally {
		await teacherBrowser.close();
		await roomBrowser.close();
	}
});
