import { startRedisServer } from '../../core/testing/redisServer.ts';
import { startBalancer, type Balancer } from '../../app/testing/balancer.ts';
import { TestClient } from '../../app/testing/harness.ts';
import { startServerProcess, type ServerProcess } from '../../app/testing/serverProcess.ts';
import type { LessonLinks } from '../../protocol/index.ts';
import { summary } from './summary.ts';
import { measureEdgeMediaLatency, type EdgeMediaLatency } from './edgeMediaLatency.ts';

type Summary = ReturnType<typeof summary>;

export interface ClusterFigures {
	/** One request's round trip, through an edge node minus straight to the origin, at p50/p99 (ms). */
	forwardedAddedMs: { p50: number; p99: number };
	direct: Summary;
	viaEdge: Summary;
	/** kill -9 of an edge → its client joined again through another node (s), per round. */
	edgeFailoverSeconds: number[];
	/** kill -9 of the origin → the teacher and a room joined again on a new origin (s, the later of the two), per round. */
	originFailoverSeconds: number[];
	/** An RTP stream read on the origin and on an edge it is piped to. */
	media: EdgeMediaLatency;
}

const tokenOf = (link: string) => new URL(link).searchParams.get('t') ?? '';

/** Resolves when the client has joined again after its next reconnect. */
function nextRejoin(client: TestClient): Promise<number> {
	return new Promise((resolve) => {
		client.socket.io.once('reconnect', () => {
			client.joinLesson().then(() => resolve(Date.now()), () => undefined);
		});
	});
}

/**
 * One round: three server processes on one redis-server, a lesson whose origin is node A; `requests`
 * classList.get round trips from an assistant straight on A and one reaching A through B, taken in
 * turns; then B killed, then A killed, timing each client's way back.
 */
async function round(requests: number, samples: { direct: number[]; viaEdge: number[] }): Promise<{ edge: number; origin: number }> {
	const redis = await startRedisServer();
	const nodes: ServerProcess[] = [];
	const balancers: Balancer[] = [];
	const clients: TestClient[] = [];
	try {
		const env = (id: string) => ({ REDIS_URL: redis.url, NODE_ID: id, LOG_LEVEL: 'warn', REQUEST_RATE_SCALE: '1000', RECONNECT_GRACE_MS: '20000' });
		nodes.push(...(await Promise.all(['node-a', 'node-b', 'node-c'].map((id) => startServerProcess(env(id))))));
		const [a, b, c] = nodes as [ServerProcess, ServerProcess, ServerProcess];
		const port = (n: ServerProcess) => Number(new URL(n.url).port);
		const post = async (route: string, body: unknown) => {
			const res = await fetch(`${a.url}${route}`, { method: 'POST', headers: { authorization: `Bearer ${a.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
			if (!res.ok) throw new Error(`${route}: ${res.status}`);
			return (await res.json()) as Record<string, unknown>;
		};
		const school = await post('/api/schools', { name: 'Hillside', locale: 'rural' });
		const rooms = [await post('/api/classrooms', { schoolId: school.id, name: 'Room 1' }), await post('/api/classrooms', { schoolId: school.id, name: 'Room 2' })];
		const { links } = (await post('/api/lessons', { title: 'Bench', teacherName: 'T', classroomIds: rooms.map((r) => r.id) })) as unknown as { links: LessonLinks };
		const via = async (...order: ServerProcess[]) => {
			const balancer = await startBalancer(order.map(port));
			balancers.push(balancer);
			return balancer.url;
		};
		const join = async (url: string, token: string) => {
			const client = new TestClient(url, token, { reconnect: true });
			clients.push(client);
			await client.joinLesson();
			return client;
		};
		const teacher = await join(await via(a, b, c), tokenOf(links.teacher));
		const onOrigin = await join(await via(a, c), tokenOf(links.classrooms[0]?.assistant ?? ''));
		const onEdge = await join(await via(b, c, a), tokenOf(links.classrooms[1]?.assistant ?? ''));
		const timed = async (client: TestClient, classroomId: string, into: number[]) => {
			const started = performance.now();
			await client.ok('classList.get', { classroomId });
			into.push(performance.now() - started);
		};
		for (let i = 0; i < 20; i++) {
			await timed(onOrigin, String(rooms[0]?.id), []);
			await timed(onEdge, String(rooms[1]?.id), []);
		}
		for (let i = 0; i < requests; i++) {
			await timed(onOrigin, String(rooms[0]?.id), samples.direct);
			await timed(onEdge, String(rooms[1]?.id), samples.viaEdge);
		}

		const edgeBack = nextRejoin(onEdge);
		let killedAt = Date.now();
		await b.kill();
		const edge = ((await edgeBack) - killedAt) / 1000;

		const backs = [nextRejoin(teacher), nextRejoin(onEdge)];
		killedAt = Date.now();
		await a.kill();
		const origin = (Math.max(...(await Promise.all(backs))) - killedAt) / 1000;
		return { edge, origin };
	} finally {
		for (const client of clients) client.close();
		for (const balancer of balancers) await balancer.close();
		await Promise.all(nodes.map((n) => n.stop()));
		await redis.stop();
	}
}

export async function measureCluster(rounds: number, requests: number): Promise<ClusterFigures> {
	const samples = { direct: [] as number[], viaEdge: [] as number[] };
	const edgeFailoverSeconds: number[] = [];
	const originFailoverSeconds: number[] = [];
	for (let i = 0; i < rounds; i++) {
		const { edge, origin } = await round(requests, samples);
		edgeFailoverSeconds.push(Math.round(edge * 100) / 100);
		originFailoverSeconds.push(Math.round(origin * 100) / 100);
	}
	const direct = summary(samples.direct);
	const viaEdge = summary(samples.viaEdge);
	const round2 = (x: number) => Math.round(x * 100) / 100;
	const media = await measureEdgeMediaLatency(Number(process.env.CLUSTER_MEDIA_SECONDS ?? '30'));
	return {
		media,
		forwardedAddedMs: { p50: round2(viaEdge.p50Ms - direct.p50Ms), p99: round2(viaEdge.p99Ms - direct.p99Ms) },
		direct,
		viaEdge,
		edgeFailoverSeconds,
		originFailoverSeconds
	};
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? null;

/** The three scale.json figures (issue 17) from a cluster measurement, each with how it was taken. */
export function clusterScaleFields(figures: ClusterFigures, measuredAt: string): Record<string, unknown> {
	return {
		// Below the noise of p99 over a few hundred samples the difference can come out negative: that reads as "none measured".
		crossNodeAddedLatencyP99Ms: figures.media.addedP99Ms,
		crossNodeAddedLatencyP99MsBasis:
			`media: an RTP stream (50 packets/s, ${figures.media.packets} packets) read from a consumer on the origin and from one on an edge router it reaches through the lesson's SRTP PipeTransport pair; p99 ${figures.media.edge.p99Ms} ms vs ${figures.media.origin.p99Ms} ms (p50 ${figures.media.edge.p50Ms} vs ${figures.media.origin.p50Ms}), lost ${figures.media.lost.edge} vs ${figures.media.lost.origin}, ${measuredAt}; on one machine, so the network between two nodes adds its own delay on top. ` +
			`Signalling through an edge node adds ${Math.max(0, figures.forwardedAddedMs.p99)} ms at p99 to a request's round trip (${figures.viaEdge.p99Ms} vs ${figures.direct.p99Ms} ms, ${figures.direct.samples} samples each)`,
		edgeFailoverSeconds: median(figures.edgeFailoverSeconds),
		edgeFailoverSecondsBasis: `median of ${figures.edgeFailoverSeconds.length} rounds (${figures.edgeFailoverSeconds.join(', ')} s): kill -9 of an edge node until its client joined again through another node`,
		originFailoverSeconds: median(figures.originFailoverSeconds),
		originFailoverSecondsBasis: `median of ${figures.originFailoverSeconds.length} rounds (${figures.originFailoverSeconds.join(', ')} s): kill -9 of the origin until the teacher and a room joined again on a new origin (a node's key expires 5 s after its last heartbeat)`
	};
}
