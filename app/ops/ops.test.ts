import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLesson, startTestApp, TestClient, waitFor, type TestApp } from '../testing/harness.ts';
import { startServerProcess, type ServerProcess } from '../testing/serverProcess.ts';
import { setUpMedia } from '../../signalling/testing/fakeMedia.ts';
import { publishFfmpegTrack, type FfmpegTrack } from '../../recorder/testing/ffmpegPublisher.ts';
import { HealthReportSchema } from '../../protocol/index.ts';
import { redactTarget } from './accessLog.ts';

/** The value of one sample line of Prometheus text, e.g. `name{lesson="x"} 12`. */
function sample(text: string, name: string, lessonId?: string): number | undefined {
	const label = lessonId ? `\\{lesson="${lessonId}"\\}` : '';
	const match = new RegExp(`^${name}${label} ([0-9.e+-]+)$`, 'm').exec(text);
	return match ? Number(match[1]) : undefined;
}

describe('/healthz and /metrics on a node with live media', () => {
	let t: TestApp;
	const tracks: FfmpegTrack[] = [];
	beforeAll(async () => {
		t = await startTestApp();
	}, 60_000);
	afterAll(async () => {
		for (const track of tracks) await track.close().catch(() => undefined);
		await t?.stop();
	});

	it('/healthz reports every dependency ok with 200', async () => {
		const res = await fetch(`${t.url}/healthz`);
		expect(res.status).toBe(200);
		const report = HealthReportSchema.parse(await res.json());
		expect(report.ok).toBe(true);
		expect(Object.keys(report.checks).sort()).toEqual(['analytics', 'dataDir', 'ffmpeg', 'workers']);
		expect(report.checks.dataDir.freeBytes).toBeGreaterThan(0);
	});

	it('/metrics: default process metrics unprefixed, counters as _total, per-lesson media gauges', async () => {
		const lesson = await createLesson(t, 1);
		const teacher = new TestClient(t.url, lesson.token('teacher'));
		const room = new TestClient(t.url, lesson.token('classroom', 0));
		await Promise.all([teacher.joinLesson(), room.joinLesson()]);
		await setUpMedia(room);
		const session = t.app.signalling.sessions.get(lesson.lesson.id)!;
		tracks.push(await publishFfmpegTrack(session, teacher.join!.self.id, 'camera'));
		await room.next('media.consumer', (c) => c.producerId === tracks[0]!.producerId);
		const id = lesson.lesson.id;
		// ffmpeg's colour bars reach the producer: the receive bitrate becomes non-zero.
		const text = await waitFor(
			async () => {
				const body = await (await fetch(`${t.url}/metrics`)).text();
				return (sample(body, 'classbridge_lesson_receive_bits_per_second', id) ?? 0) > 0 ? body : undefined;
			},
			20_000,
			'a receive bitrate for the lesson'
		);
		expect(sample(text, 'classbridge_lesson_consumers', id)).toBeGreaterThanOrEqual(1);
		expect(sample(text, 'classbridge_lesson_send_bits_per_second', id)).toBeGreaterThanOrEqual(0);
		const loss = sample(text, 'classbridge_lesson_receive_loss_ratio', id);
		expect(loss).toBeGreaterThanOrEqual(0);
		expect(loss).toBeLessThanOrEqual(1);
		expect(text).toMatch(/^process_cpu_user_seconds_total [0-9.e+-]+$/m);
		expect(text).toMatch(/^nodejs_heap_size_used_bytes [0-9.e+-]+$/m);
		expect(text).not.toMatch(/classbridge_process_|classbridge_nodejs_/);
		expect(text).toMatch(/^# TYPE classbridge_events_total counter$/m);
		expect(text).toMatch(/^# TYPE classbridge_analytics_events_written_total counter$/m);
		// Every counter is named _total, and none of ours but a counter is (prom-client's own
		// nodejs_active_resources_total is a gauge).
		for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
			if (type === 'counter') expect(name, name).toMatch(/_total$/);
			else if (name!.startsWith('classbridge_')) expect(name, name).not.toMatch(/_total$/);
		}
		teacher.close();
		room.close();
	}, 60_000);
});

describe('/healthz, METRICS_TOKEN and the access log of a server process', () => {
	let server: ServerProcess;
	const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
	beforeAll(async () => {
		// More free space demanded than any disk has: the data folder check fails, and only it.
		server = await startServerProcess({ METRICS_TOKEN, HEALTH_MIN_FREE_MB: '1000000000' });
	}, 90_000);
	afterAll(() => server?.stop());

	it('answers 503 naming the dependency that is down', async () => {
		const res = await fetch(`${server.url}/healthz`);
		expect(res.status).toBe(503);
		const report = HealthReportSchema.parse(await res.json());
		expect(report.ok).toBe(false);
		expect(Object.entries(report.checks).filter(([, c]) => !c.ok).map(([name]) => name)).toEqual(['dataDir']);
		expect(report.checks.dataDir.detail).toMatch(/MiB free/);
	});

	it('/metrics needs the bearer token when METRICS_TOKEN is set', async () => {
		expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
		expect((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789abcdef' } })).status).toBe(401);
		const ok = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
		expect(ok.status).toBe(200);
		expect(await ok.text()).toMatch(/^classbridge_mediasoup_workers 1$/m);
	});

	it('the access log has a line per request, with no token, Authorization or cookie in it', async () => {
		const secrets = ['lesson-secret-aaaa', 'admin-secret-bbbb', 'bearer-secret-cccc', 'cookie-secret-dddd', 'media-secret-eeee'];
		await fetch(`${server.url}/api/session?t=${secrets[0]}&x=1`);
		await fetch(`${server.url}/admin?token=${secrets[1]}`, { headers: { authorization: `Bearer ${secrets[2]}`, cookie: `cb_staff=${secrets[3]}` } });
		await fetch(`${server.url}/api/recordings/les_x/download?m=${secrets[4]}`);
		const lines = await waitFor(() => {
			const access = server.output().split('\n').filter((l) => l.includes('"module":"access"'));
			return access.some((l) => l.includes('/api/recordings/les_x/download')) ? access : undefined;
		}, 10_000, 'access log lines');
		const session = lines.find((l) => l.includes('/api/session'));
		expect(session).toBeDefined();
		const entry = JSON.parse(session!) as { req: { method: string; url: string }; res: { statusCode: number }; responseTime: number };
		expect(entry.req).toMatchObject({ method: 'GET', url: '/api/session?t=[redacted]&x=1' });
		expect(entry.res.statusCode).toBe(401);
		expect(entry.responseTime).toBeGreaterThanOrEqual(0);
		for (const secret of secrets) expect(server.output()).not.toContain(secret);
	});
});

describe('redactTarget', () => {
	it('redacts every credential parameter, keeps the rest, survives malformed escapes', () => {
		expect(redactTarget('/live?t=abc&lang=zh')).toBe('/live?t=[redacted]&lang=zh');
		expect(redactTarget('/admin?token=abc')).toBe('/admin?token=[redacted]');
		expect(redactTarget('/x?%74=abc&m=1&deviceToken=z')).toBe('/x?%74=[redacted]&m=[redacted]&deviceToken=[redacted]');
		expect(redactTarget('/x?%E0%A4%A=1&t')).toBe('/x?%E0%A4%A=1&t');
		expect(redactTarget('/healthz')).toBe('/healthz');
	});
});
