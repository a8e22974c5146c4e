import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../core/testing/redisServer.ts';
import fc from 'fast-check';
import { BoardTestClient, rawUpgrade, resetUpgrade } from '../signalling/testing/boardClient.ts';
import { setUpMedia } from '../signalling/testing/fakeMedia.ts';
import { makeDeck, type PdfBytes } from '../signalling/testing/pdfFixtures.ts';
import { makeProgramWebm, writeFixturePackage } from '../recorder/testing/packageFixture.ts';
import { DECKS_API, type ClaimAnswer, type DeckInfo, type JoinInfo, type JoinPending, type LessonLinks, type LessonRecord } from '../protocol/index.ts';
import { startBalancer, type Balancer } from './testing/balancer.ts';
import { TestClient, waitFor } from './testing/harness.ts';
import { startServerProcess, type ServerProcess } from './testing/serverProcess.ts';

type NodeName = 'a' | 'b' | 'c';

const RECORDED = 'les_recorded_on_c';
const portOf = (node: ServerProcess) => Number(new URL(node.url).port);
const tokenOf = (link: string) => new URL(link).searchParams.get('t') ?? '';

/** Producer ids a client is offered and still holds. */
function receiving(client: TestClient): Set<string> {
	const closed = new Set(client.all('media.consumerClosed').map((c) => c.consumerId));
	return new Set(client.all('media.consumer').filter((c) => !closed.has(c.consumerId)).map((c) => c.producerId));
}

/** Joins again after every reconnect, as the browser's session does; resolves on the next join. */
function rejoinOnReconnect(client: TestClient): { next(): Promise<number> } {
	let waiting: ((at: number) => void) | null = null;
	client.socket.io.on('reconnect', () => {
		client.joinLesson().then(
			() => waiting?.(Date.now()),
			() => undefined // the next reconnect joins again
		);
	});
	return { next: () => new Promise<number>((resolve) => (waiting = resolve)) };
}

/**
 * Three server processes on one redis-server, each client behind its own balancer that prefers
 * one node and falls over to the next: one lesson, served by the node its first participant reached
 * (the origin), reached from every node; an edge killed; the origin killed.
 */
describe('a lesson across three nodes', () => {
	let redis: RedisServerHandle;
	const nodes = {} as Record<NodeName, ServerProcess>;
	const balancers: Balancer[] = [];
	const clients: TestClient[] = [];
	let lesson: LessonRecord;
	let links: LessonLinks;
	let teacher: TestClient;
	let room1: TestClient;
	let room2: TestClient;
	let teacherVia: Balancer;
	let deck: DeckInfo;
	let deckBytes: PdfBytes;
	let cDir = '';

	/** A client whose balancer tries the nodes in this order. */
	const via = async (...order: NodeName[]) => {
		const balancer = await startBalancer(order.map((n) => portOf(nodes[n])));
		balancers.push(balancer);
		return balancer;
	};
	const client = (balancer: Balancer, token: string, headers?: Record<string, string>) => {
		const c = new TestClient(balancer.url, token, { reconnect: true, ...(headers ? { headers } : {}) });
		clients.push(c);
		return c;
	};
	const onlineIds = (c: TestClient) => new Set((c.latestSnapshot()?.participants ?? []).filter((p) => p.online).map((p) => p.id));

	beforeAll(async () => {
		redis = await startRedisServer();
		const env = (id: string) => ({ REDIS_URL: redis.url, NODE_ID: id, LOG_LEVEL: 'info', RECONNECT_GRACE_MS: '20000' });
		// Node C holds a recorded lesson (its own DATA_DIR; the library of every node lists it).
		cDir = await mkdtemp(path.join(tmpdir(), 'cb-node-c-'));
		const program = path.join(cDir, 'program-source.webm');
		await makeProgramWebm(program, 1);
		await writeFixturePackage(cDir, { lessonId: RECORDED, title: 'Recorded on C', teacherName: 'Mr Wu', classrooms: [], startedAt: Date.now() - 86_400_000, program });
		[nodes.a, nodes.b, nodes.c] = await Promise.all([startServerProcess(env('node-a')), startServerProcess(env('node-b')), startServerProcess(env('node-c'), { dataDir: cDir })]);
		const post = async (route: string, body: unknown) => {
			const res = await fetch(`${nodes.a.url}${route}`, {
				method: 'POST',
				headers: { authorization: `Bearer ${nodes.a.adminToken}`, 'content-type': 'application/json' },
				body: JSON.stringify(body)
			});
			if (!res.ok) throw new Error(`${route}: ${res.status} ${await res.text()}`);
			return res.json() as Promise<Record<string, unknown>>;
		};
		const school = await post('/api/schools', { name: 'Hillside', locale: 'rural' });
		const rooms = [await post('/api/classrooms', { schoolId: school.id, name: 'Room 1' }), await post('/api/classrooms', { schoolId: school.id, name: 'Room 2' })];
		({ lesson, links } = (await post('/api/lessons', { title: 'Fractions', teacherName: 'Ms Chen', classroomIds: rooms.map((r) => r.id) })) as unknown as {
			lesson: LessonRecord;
			links: LessonLinks;
		});
	}, 120_000);

	afterAll(async () => {
		for (const c of clients) c.close();
		for (const b of balancers) await b.close();
		await Promise.all(Object.values(nodes).map((n) => n?.stop()));
		await redis?.stop();
		if (cDir) await rm(cDir, { recursive: true, force: true });
	}, 60_000);

	it('an admin link printed by one node opens the admin routes of every node', async () => {
		for (const node of [nodes.a, nodes.b, nodes.c]) {
			const res = await fetch(`${node.url}/api/lessons`, { headers: { authorization: `Bearer ${nodes.b.adminToken}` } });
			expect(res.status).toBe(200);
		}
	});

	it('a staff browser signed out through one node is signed out on every node', async () => {
		const signIn = await fetch(`${nodes.a.url}/api/staff/session`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', origin: nodes.a.url },
			body: JSON.stringify({ token: nodes.a.adminToken })
		});
		expect(signIn.status).toBe(200);
		const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
		const opens = async (node: ServerProcess) => (await fetch(`${node.url}/api/lessons`, { headers: { cookie } })).status;
		expect(await Promise.all([nodes.a, nodes.b, nodes.c].map(opens))).toEqual([200, 200, 200]);
		const signOut = await fetch(`${nodes.b.url}/api/staff/session`, { method: 'DELETE', headers: { cookie, origin: nodes.b.url } });
		expect(signOut.status).toBe(200);
		// Each node has its own DATA_DIR: only Redis carries the sign-out to A and C.
		expect(await Promise.all([nodes.a, nodes.b, nodes.c].map(opens))).toEqual([401, 401, 401]);
	});

	it('one library across the nodes: every node lists the lesson recorded on C and serves its replay, files and package from C', async () => {
		const staff = { authorization: `Bearer ${nodes.a.adminToken}` };
		for (const node of [nodes.a, nodes.b, nodes.c]) {
			const listed = (await (await fetch(`${node.url}/api/library`, { headers: staff })).json()) as { entries: { lessonId: string }[] };
			expect(listed.entries.filter((e) => e.lessonId === RECORDED), `the library through ${node.url}`).toHaveLength(1);
			const replay = await fetch(`${node.url}/api/recordings/${RECORDED}`, { headers: staff });
			expect(replay.status).toBe(200);
			const { mediaToken, manifest } = (await replay.json()) as { mediaToken: string; manifest: { title: string } };
			expect(manifest.title).toBe('Recorded on C');
			const media = await fetch(`${node.url}/api/recordings/${RECORDED}/files/media/program.webm?m=${mediaToken}`, { headers: { range: 'bytes=0-3' } });
			expect(media.status).toBe(206);
			expect(Buffer.from(await media.arrayBuffer()).toString('hex'), 'a WebM (EBML) header').toBe('1a45dfa3');
			expect((await fetch(`${node.url}/api/packages/${RECORDED}.zip`, { method: 'HEAD', headers: staff })).status).toBe(200);
		}
		// A class replay of it started through A (which has no copy) plays in a room that reached B.
		const started = await fetch(`${nodes.a.url}/api/lessons/replays`, {
			method: 'POST',
			headers: { ...staff, 'content-type': 'application/json' },
			body: JSON.stringify({ sourceLessonId: RECORDED, classroomId: lesson.classroomIds[0] })
		});
		expect(started.status).toBe(201);
		const replay = (await started.json()) as { lesson: LessonRecord; links: LessonLinks };
		expect(replay.lesson).toMatchObject({ replayOf: RECORDED, title: 'Recorded on C' });
		const screen = new TestClient(nodes.b.url, tokenOf(replay.links.classrooms[0]?.room ?? ''));
		clients.push(screen);
		await screen.joinLesson();
		const programSrc = screen.latestSnapshot()?.replay?.media?.program?.src ?? '';
		expect(programSrc).toMatch(new RegExp(`^/api/recordings/${RECORDED}/files/media/program\\.webm\\?m=`));
		expect((await fetch(`${nodes.a.url}${programSrc}`, { headers: { range: 'bytes=0-3' } })).status).toBe(206);
		const surface = await fetch(`${nodes.c.url}/api/lessons/replays/${replay.lesson.id}/surface`, { headers: { authorization: `Bearer ${tokenOf(replay.links.classrooms[0]?.room ?? '')}` } });
		expect(surface.status).toBe(200);
		expect(((await surface.json()) as { sourceLessonId: string }).sourceLessonId).toBe(RECORDED);
		screen.close();

		// A node's own part only when another asks (no loop), and an unknown recording is still a 404.
		expect((await fetch(`${nodes.a.url}/api/recordings/les_nowhere`, { headers: staff })).status).toBe(404);
		const narrowed = (await (await fetch(`${nodes.b.url}/api/library?q=${encodeURIComponent('on C')}`, { headers: staff })).json()) as { entries: unknown[] };
		expect(narrowed.entries).toHaveLength(1);
		expect((await fetch(`${nodes.b.url}/api/library`)).status, 'no credentials: refused, not asked around').toBe(401);
	});

	it('staff analytics answer on every node: the ones without the store forward to the node that holds it', async () => {
		for (const node of [nodes.a, nodes.b, nodes.c]) {
			await waitFor(
				async () => ((await fetch(`${node.url}/api/analytics/lessons`, { headers: { authorization: `Bearer ${nodes.a.adminToken}` } })).status === 200 ? true : undefined),
				8000,
				`analytics through ${node.url}`
			);
		}
	});

	it('the catalog made on one node is on every node', async () => {
		const code = links.classrooms[0]?.joinCode ?? '';
		for (const node of [nodes.b, nodes.c]) {
			await waitFor(async () => ((await fetch(`${node.url}/api/join/${code}`)).ok ? true : undefined), 8000, 'the join code on another node');
		}
	});

	it('participants reaching three nodes share one lesson: a classroom on B gets the teacher on A, a room staged on C is heard everywhere', async () => {
		teacherVia = await via('a', 'b', 'c');
		teacher = client(teacherVia, tokenOf(links.teacher));
		await teacher.joinLesson();
		// A client claiming to be a forwarding node is still sent to the origin: the stamp is signed.
		room1 = client(await via('b', 'c', 'a'), tokenOf(links.classrooms[0]?.room ?? ''), { 'x-classbridge-forwarded-by': 'node-a.forged' });
		room2 = client(await via('c', 'a', 'b'), tokenOf(links.classrooms[1]?.room ?? ''));
		await Promise.all([room1.joinLesson(), room2.joinLesson()]);
		expect(balancers.map((b) => b.chosen[0])).toEqual([portOf(nodes.a), portOf(nodes.b), portOf(nodes.c)]);
		const roomIds = [room1.join?.self.id ?? '', room2.join?.self.id ?? ''];
		await waitFor(() => (roomIds.every((id) => onlineIds(teacher).has(id)) ? true : undefined), 8000, 'both rooms online at the teacher');

		const teacherMedia = await setUpMedia(teacher, ['mic', 'camera']);
		const room1Media = await setUpMedia(room1, ['mic']);
		const room2Media = await setUpMedia(room2, ['mic', 'camera']);
		// Each participant's media is on the node it reached: the lesson is piped from A to B and C.
		expect(teacherMedia.recvPorts).toContain(nodes.a.rtcPort);
		expect(room1Media.recvPorts).toContain(nodes.b.rtcPort);
		expect(room2Media.recvPorts).toContain(nodes.c.rtcPort);
		const teacherTracks = Object.values(teacherMedia.producers);
		await waitFor(() => (teacherTracks.every((p) => receiving(room1).has(p)) ? true : undefined), 8000, "the teacher's tracks at room 1 (node B)");
		await waitFor(() => (teacherTracks.every((p) => receiving(room2).has(p)) ? true : undefined), 8000, "the teacher's tracks at room 2 (node C)");

		await teacher.ok('stage.set', { classroomId: lesson.classroomIds[1] ?? '' });
		const staged = room2Media.producers.mic ?? '';
		await waitFor(() => (receiving(room1).has(staged) && receiving(teacher).has(staged) ? true : undefined), 8000, 'the staged room heard on A and B');

		// One process holds the lesson (its router, its producers); B and C hold their participants' transports, piped to it.
		const routed = (node: ServerProcess) => node.output().split('\n').some((line) => line.includes('lesson router created') && line.includes(lesson.id));
		const edged = (node: ServerProcess) => node.output().split('\n').some((line) => line.includes('edge router opened') && line.includes(lesson.id));
		expect([routed(nodes.a), routed(nodes.b), routed(nodes.c)]).toEqual([true, false, false]);
		expect([edged(nodes.a), edged(nodes.b), edged(nodes.c)]).toEqual([false, true, true]);
		const edgeMetric = async (node: ServerProcess) => /^classbridge_edge_lessons (\d+)$/m.exec(await (await fetch(`${node.url}/metrics`)).text())?.[1];
		expect([await edgeMetric(nodes.a), await edgeMetric(nodes.b), await edgeMetric(nodes.c)]).toEqual(['0', '1', '1']);
	}, 60_000);

	it('a board edit made through node A reaches a viewer on node C', async () => {
		const boardId = (await teacher.ok('board.addBlank', {})).id;
		await teacher.ok('surface.show', { view: { kind: 'blank', boardId } });
		const drawer = new BoardTestClient(balancers[0]?.url ?? '', tokenOf(links.teacher));
		const viewer = new BoardTestClient(balancers[2]?.url ?? '', tokenOf(links.classrooms[1]?.room ?? ''));
		try {
			await Promise.all([drawer.ready, viewer.ready]);
			const shape = drawer.createRect(boardId, 10, 10);
			await waitFor(() => viewer.record(shape), 8000, 'the stroke at the viewer on C');
		} finally {
			drawer.close();
			viewer.close();
		}
	}, 30_000);

	it("a phone asking for a held name waits in the lesson's node: its join, its claim and the assistant's approval meet there, whichever nodes they reach", async () => {
		const code = links.classrooms[0]?.joinCode ?? '';
		const assistant = new TestClient(nodes.c.url, tokenOf(links.classrooms[0]?.assistant ?? ''));
		clients.push(assistant);
		await assistant.joinLesson();
		await assistant.ok('classList.add', { names: ['Wang Fang'] });
		const post = async <T>(node: ServerProcess, route: string, body: unknown) => {
			const res = await fetch(`${node.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
			return { status: res.status, body: (await res.json()) as T };
		};
		const pick = async () => ((await (await fetch(`${nodes.b.url}/api/join/${code}`)).json()) as JoinInfo).students.find((s) => s.name === 'Wang Fang')?.pick ?? '';
		// The real student's phone takes the name through C; another phone asks for it through B.
		expect((await post(nodes.c, `/api/join?code=${code}`, { code, pick: await pick() })).status).toBe(201);
		const asked = await post<JoinPending>(nodes.b, `/api/join?code=${code}`, { code, pick: await pick() });
		expect(asked.status).toBe(202);
		const { claimId, secret, lessonId } = asked.body.pending;
		expect(lessonId).toBe(lesson.id);
		await assistant.next('classList.updated', (list) => list.claims.some((c) => c.id === claimId), 8000);
		// The phone waits through A; the assistant (served by the origin) approves.
		const waiting = post<ClaimAnswer>(nodes.a, `/api/join/claim?lesson=${lessonId}`, { claimId, secret, waitMs: 10_000 });
		await assistant.ok('classList.approveClaim', { claimId });
		const answer = await waiting;
		expect(answer.body.status).toBe('approved');
		assistant.close();
	});

	it('hostile requests and upgrades through an edge (forged stamps, broken tokens, resets mid-way) are answered and change nothing', async () => {
		const teacherToken = tokenOf(links.teacher);
		const targets = [
			`/socket.io/?EIO=4&transport=websocket&cbl=${lesson.id}`,
			`/board?t=${teacherToken.slice(0, -4)}xxxx&sessionId=abc`,
			`/board?t=${teacherToken}&sessionId=%E0%A4%A`,
			`/socket.io/?cbl=${'x'.repeat(5000)}`,
			'/board?t=a.b.c'
		];
		for (const target of targets) {
			await rawUpgrade(nodes.b.url, target, 800);
			await resetUpgrade(nodes.b.url, target);
		}
		await fc.assert(
			fc.asyncProperty(fc.string({ maxLength: 60 }), fc.constantFrom('/api/session', '/api/live/decks', '/api/analytics/lessons'), fc.boolean(), fc.boolean(), async (junk, route, forged, validToken) => {
				// A valid lesson token is forwarded to the origin with the junk in its path; a broken one is answered where it lands.
				const token = validToken ? teacherToken : `${teacherToken.slice(0, 40)}${junk.replace(/[^A-Za-z0-9._-]/g, '')}`;
				const res = await fetch(`${nodes.b.url}${route}/${encodeURIComponent(junk)}?t=${encodeURIComponent(junk)}`, {
					method: validToken && forged ? 'POST' : 'GET',
					headers: {
						authorization: `Bearer ${token}`,
						...(forged ? { 'x-classbridge-forwarded-by': `node-a.${junk.replace(/[^A-Za-z0-9]/g, '')}` } : {})
					}
				});
				await res.arrayBuffer();
				return res.status < 500;
			}),
			{ numRuns: 60 }
		);
		expect([nodes.a.alive(), nodes.b.alive(), nodes.c.alive()]).toEqual([true, true, true]);
		// The lesson is as it was: everyone still in, the teacher's requests answered.
		expect(onlineIds(teacher).has(room1.join?.self.id ?? '')).toBe(true);
		await teacher.ok('classList.get', { classroomId: lesson.classroomIds[0] ?? '' });
	}, 60_000);

	it('a new lesson goes to a less loaded node: its teacher reached node A, which serves the first lesson', async () => {
		const post = async (route: string, body: unknown) => {
			const res = await fetch(`${nodes.a.url}${route}`, { method: 'POST', headers: { authorization: `Bearer ${nodes.a.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
			return res.json() as Promise<Record<string, unknown>>;
		};
		const second = (await post('/api/lessons', { title: 'Birds', teacherName: 'Mr Wu', classroomIds: [lesson.classroomIds[0]] })) as unknown as { lesson: LessonRecord; links: LessonLinks };
		// A's heartbeat carries its consumers (the first lesson's) within 1.5 s.
		await new Promise((resolve) => setTimeout(resolve, 2000));
		const other = new TestClient((await via('a')).url, tokenOf(second.links.teacher));
		clients.push(other);
		try {
			await other.joinLesson();
			await setUpMedia(other, ['mic']);
			const routed = (node: ServerProcess) => node.output().split('\n').some((line) => line.includes('lesson router created') && line.includes(second.lesson.id));
			expect(routed(nodes.a)).toBe(false);
			expect(routed(nodes.b) || routed(nodes.c)).toBe(true);
		} finally {
			other.close();
		}
	}, 30_000);

	it('a deck uploaded on the origin is copied to every node', async () => {
		deckBytes = await makeDeck(['Page 1: halves', 'Page 2: quarters']);
		const res = await fetch(`${teacherVia.url}${DECKS_API}?name=Fractions.pdf`, {
			method: 'POST',
			headers: { authorization: `Bearer ${tokenOf(links.teacher)}`, 'content-type': 'application/pdf' },
			body: deckBytes
		});
		expect(res.status).toBe(201);
		deck = (await res.json()) as DeckInfo;
		const held = async (node: ServerProcess) => {
			const dir = path.join(node.dataDir, 'decks', lesson.id, deck.id);
			const [pdf, thumbs] = await Promise.all([readFile(path.join(dir, 'source.pdf')).catch(() => null), readdir(path.join(dir, 'thumbs')).catch(() => [])]);
			return pdf?.equals(deckBytes) && thumbs.length === deck.pageCount;
		};
		// Each node has its own DATA_DIR: B and C fetched the deck from A, thumbnails and all.
		for (const node of [nodes.a, nodes.b, nodes.c]) await waitFor(async () => ((await held(node)) ? true : undefined), 8000, `the deck on ${node.url}`);
	});

	it('node B killed: the room it served is back in the lesson through node C within 10 s', async () => {
		const rejoined = rejoinOnReconnect(room1);
		const back = rejoined.next();
		const killedAt = Date.now();
		await nodes.b.kill();
		const at = await back;
		const id = room1.join?.self.id ?? '';
		await waitFor(() => (onlineIds(teacher).has(id) ? true : undefined), 10_000, 'room 1 online again at the teacher');
		expect(at - killedAt).toBeLessThan(10_000);
		expect(balancers[1]?.chosen.at(-1)).toBe(portOf(nodes.c));
		console.info(`edge failover: room 1 joined again ${at - killedAt} ms after node B was killed`);
	}, 30_000);

	it('the origin (node A) killed: the lesson moves to another node within 15 s, its state and poll timer intact, and media is built again', async () => {
		const sent = await teacher.ok('chat.send', { text: 'before the failover' });
		const poll = await teacher.ok('poll.open', { spec: { kind: 'truefalse', question: 'Still on time?', timerSeconds: 12 } });
		const teacherBack = rejoinOnReconnect(teacher).next();
		const roomBack = rejoinOnReconnect(room2).next();
		const killedAt = Date.now();
		await nodes.a.kill();
		const [teacherAt, roomAt] = await Promise.all([teacherBack, roomBack]);
		expect(Math.max(teacherAt, roomAt) - killedAt).toBeLessThan(15_000);
		console.info(`origin failover: teacher back after ${teacherAt - killedAt} ms, room 2 after ${roomAt - killedAt} ms`);
		// Stage and chat come from the shared lesson state.
		expect(teacher.join?.lesson.stageClassroomId).toBe(lesson.classroomIds[1]);
		expect(teacher.join?.chat.some((m) => m.id === sent.id)).toBe(true);
		// The new origin builds media again: the room hears the teacher there.
		teacher.received.length = 0;
		room2.received.length = 0;
		const media = await setUpMedia(teacher, ['mic']);
		await setUpMedia(room2, ['mic']);
		await waitFor(() => (receiving(room2).has(media.producers.mic ?? '') ? true : undefined), 8000, 'the teacher heard at room 2 on the new origin');
		// The poll's timer is the new origin's now: it closes the poll at its time with nobody asking.
		await teacher.next('lesson.snapshot', (snapshot) => snapshot.poll?.id === poll.id && snapshot.poll.status === 'closed', 15_000);
		expect(Date.now()).toBeGreaterThanOrEqual(poll.closesAt ?? 0);
		const newOrigin = [nodes.b, nodes.c].find((n) => n.output().includes('lesson taken over'));
		expect(newOrigin).toBeDefined();
		// The slides go on with it: the new origin serves the deck from its copy.
		const auth = { authorization: `Bearer ${tokenOf(links.teacher)}` };
		const listed = (await (await fetch(`${teacherVia.url}${DECKS_API}`, { headers: auth })).json()) as DeckInfo[];
		expect(listed.map((d) => d.id)).toEqual([deck.id]);
		const file = await fetch(`${teacherVia.url}${DECKS_API}/${deck.id}/file`, { headers: auth });
		expect(Buffer.from(await file.arrayBuffer()).equals(deckBytes)).toBe(true);
		expect((await fetch(`${teacherVia.url}${DECKS_API}/${deck.id}/thumbs/2`, { headers: auth })).headers.get('content-type')).toBe('image/png');
	}, 50_000);

	it('Redis restarted (its data gone): the node puts back its registration, the origin, the secret and the catalog, and the lesson goes on', async () => {
		const port = Number(new URL(redis.url).port);
		await redis.stop();
		redis = await startRedisServer(port);
		const probe = new Redis(redis.url);
		try {
			await waitFor(
				async () => {
					const [node, origin, secret, catalog] = await probe.mget('cb:node:node-c', `cb:lesson:${lesson.id}:origin`, 'cb:secret', 'cb:catalog');
					return node && origin === 'node-c' && secret && catalog?.includes(lesson.id) ? true : undefined;
				},
				10_000,
				'the deployment state back in Redis'
			);
			const sent = await teacher.ok('chat.send', { text: 'after the Redis restart' });
			await room2.next('chat.message', (m) => m.id === sent.id, 8000);
		} finally {
			probe.disconnect();
		}
	}, 30_000);
});
