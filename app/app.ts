import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { loadTls, type TlsMaterial } from './tls.ts';
import { Cluster } from './cluster/Cluster.ts';
import { DeckCopies } from './cluster/DeckCopies.ts';
import { RecordedLessons } from './recordedLessons.ts';
import { sharedSecret } from '../signalling/cluster/sharedSecret.ts';
import { AdminGenerationSync } from '../signalling/cluster/AdminGenerationSync.ts';
import { SharedSignedOutSessions } from '../signalling/cluster/SharedSignedOutSessions.ts';
import { EdgeLinks, EdgeMediaServer } from '../signalling/cluster/EdgeMediaLink.ts';
import { RedisCatalogReplica } from '../signalling/catalog/CatalogReplica.ts';
import { inBackground } from '../core/background.ts';
import { firstLanIPv4 } from './config.ts';
import { RecordingService } from '../recorder/index.ts';
import { Sfu } from '../sfu/index.ts';
import { loadOrCreateSecret } from '../signalling/auth/secret.ts';
import { StaffAuth } from '../signalling/auth/StaffAuth.ts';
import { TokenService } from '../signalling/auth/TokenService.ts';
import { CatalogStore } from '../signalling/catalog/CatalogStore.ts';
import type { Config } from './config.ts';
import { BoardService } from '../signalling/board/BoardService.ts';
import type { BoardStorage } from '../signalling/board/BoardStorage.ts';
import { FileBoardStorage } from '../signalling/board/FileBoardStorage.ts';
import { MirroredBoardStorage } from '../signalling/board/MirroredBoardStorage.ts';
import { RedisBoardStorage } from '../signalling/board/RedisBoardStorage.ts';
import { EventBus } from '../core/EventBus.ts';
import { readShownBoard, readSurface } from '../signalling/lesson/surfaceState.ts';
import { DeckHttp } from '../signalling/slides/DeckHttp.ts';
import { DeckStore } from '../signalling/slides/DeckStore.ts';
import { HttpApi } from '../signalling/http/HttpApi.ts';
import { classListUpdated } from '../signalling/handlers/classList.ts';
import { AnalyticsHttp } from '../analytics/http/AnalyticsHttp.ts';
import { DataApiHttp } from '../analytics/http/DataApiHttp.ts';
import { startAnalytics, type AnalyticsRuntime } from '../analytics/startAnalytics.ts';
import { LibraryHttp, type RecordingLibrary } from '../recorder/http/LibraryHttp.ts';
import { PackagesHttp } from '../recorder/http/PackagesHttp.ts';
import { LessonPackages } from '../recorder/packages/LessonPackages.ts';
import { SyncClient } from '../recorder/packages/SyncClient.ts';
import { PdfInspector } from '../signalling/slides/PdfInspector.ts';
import { requestTarget } from '../core/http/requestTarget.ts';
import { StaffAccess } from '../signalling/http/StaffAccess.ts';
import { RecordingViewerAccess } from '../signalling/http/RecordingViewerAccess.ts';
import { unauthorizedOnRefusal } from '../signalling/auth/tokenRefusal.ts';
import { StaffSessionHttp } from '../signalling/http/StaffSessionHttp.ts';
import { applySecurityHeaders } from './http/securityHeaders.ts';
import { AppError, InvariantError } from '../core/errors.ts';
import { classReplayPlan } from '../recorder/classReplayPlan.ts';
import { classReplaySurface } from '../recorder/classReplaySurface.ts';
import type { ClassReplaySource } from '../signalling/handlers/classReplay/ClassReplay.ts';
import { moduleLogger } from '../core/logger.ts';
import { createMetrics } from './metrics.ts';
import { createAccessLog } from './ops/accessLog.ts';
import { Health } from './ops/health.ts';
import { OpsHttp } from './ops/OpsHttp.ts';
import { SignallingServer } from '../signalling/SignallingServer.ts';
import { createLessonStore } from '../signalling/store/createLessonStore.ts';
import { RedisRateLimits } from '../signalling/rates/RedisRateLimits.ts';
import { PollDraftFiles } from '../signalling/store/PollDraftFiles.ts';
import type { LessonStore } from '../signalling/store/LessonStore.ts';
import { JoinCodeSchema, type RoomReplayChoice } from '../protocol/index.ts';

const log = moduleLogger('app');

/** With a cluster, the secret every node shares (the first node's); alone, this node's own. */
async function clusterSecret(cluster: Cluster | null, local: { secret: Uint8Array }): Promise<{ secret: Uint8Array }> {
	if (!cluster) return local;
	const shared = await sharedSecret(cluster.redis, local.secret);
	if (shared.adopted) log.info('signing with the deployment\'s shared secret (links made by this node alone before no longer open)');
	return shared;
}

/** A route failed past its own error handling: the sender gets a 500 (or a cut-off response); the node goes on. */
function failRequest(res: ServerResponse, error: unknown, path: string): void {
	log.error({ err: (error as Error)?.message, stack: (error as Error)?.stack, path }, 'request failed outside its route');
	if (res.headersSent) {
		res.destroy();
		return;
	}
	res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
	res.end(JSON.stringify({ error: { code: 'internal', message: 'something went wrong on the server' } }));
}

/** A request handler to fall through to (the SvelteKit handler in production). */
export type NextHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

export interface App {
	httpServer: HttpServer;
	url: string;
	adminUrl: string;
	/** The HTTPS server for other machines (HTTPS_PORT), sharing every route, socket.io and /board with httpServer. */
	https: { server: HttpsServer; port: number; url: string; tls: TlsMaterial } | null;
	sfu: Sfu;
	store: LessonStore;
	bus: EventBus;
	catalog: CatalogStore;
	tokens: TokenService;
	signalling: SignallingServer;
	boards: BoardService;
	analytics: AnalyticsRuntime;
	recorder: RecordingService;
	packages: LessonPackages;
	sync: SyncClient | null;
	close(): Promise<void>;
}

/**
 * Composes the one server process: HTTP (/healthz, /metrics, /api, then the web app),
 * socket.io signalling on the same server, and the mediasoup worker pool.
 */
export async function createApp(config: Config, web?: NextHandler): Promise<App> {
	const cluster = config.redisUrl ? Cluster.open(config.redisUrl) : null;
	const { secret } = await clusterSecret(cluster, await loadOrCreateSecret(config.dataDir));
	const tokens = new TokenService(secret);
	const staffAuth = await StaffAuth.open(config.dataDir, tokens, cluster ? (local) => new SharedSignedOutSessions(local, cluster.redis) : undefined);
	const requestOrigin = { publicUrl: config.publicUrl, trustProxy: config.trustProxy };
	const staff = new StaffAccess(staffAuth, requestOrigin);
	const catalog = await CatalogStore.open(config.dataDir);
	const catalogReplica = cluster ? await RedisCatalogReplica.open(cluster.redis) : null;
	if (catalogReplica) await catalog.replicate(catalogReplica);
	const store = createLessonStore(config.redisUrl);
	// Without Redis each part counts in its own memory (its default).
	const sharedRates = config.redisUrl ? new RedisRateLimits(config.redisUrl) : null;
	const bus = new EventBus();
	const sfu = new Sfu({ ...config.mediasoup });
	await sfu.start();
	// A node that can no longer start any media worker serves no lesson: stop it loudly, so that the
	// service manager starts a fresh one (app/main.ts lets an InvariantError end the process).
	sfu.pool.on('exhausted', (attempts, error) => {
		setImmediate(() => {
			throw new InvariantError(`no mediasoup worker could be started in ${attempts} attempts: ${error.message}`);
		});
	});

	const decks = await DeckStore.open(config.dataDir);
	let signallingRef: SignallingServer | null = null;
	let deckCopies: DeckCopies | null = null;
	const deckHttp = new DeckHttp({
		decks,
		tokens,
		maxBytes: config.slides.maxBytes,
		parseTimeoutMs: config.slides.parseTimeoutMs,
		onUploaded: (lessonId, deck, grant) => {
			bus.publish(lessonId, 'deck.uploaded', { actor: grant.participantId, role: grant.role, classroomId: grant.classroomId }, {
				deckId: deck.id,
				fileName: deck.fileName,
				pageCount: deck.pageCount,
				bytes: deck.bytes,
				scriptsIgnored: deck.scriptsIgnored
			});
			signallingRef?.sessions.get(lessonId)?.changed();
			if (deckCopies) inBackground(log, 'announcing a deck to the other nodes', deckCopies.announce(lessonId, deck.id), { lessonId });
		},
		beforeRead: async (lessonId) => deckCopies?.catchUp(lessonId)
	});
	let httpsPort: number | null = null;
	let replaysRef: RoomReplaySource | undefined;
	const api = new HttpApi({
		catalog,
		tokens,
		replays: {
			plan: (lessonId) => (replaysRef ? replaysRef.plan(lessonId) : notOpenYet()),
			surface: (lessonId) => (replaysRef ? replaysRef.surface(lessonId) : notOpenYet()),
			mediaToken: (lessonId, expiresAt) => (replaysRef ? replaysRef.mediaToken(lessonId, expiresAt) : notOpenYet()),
			choices: () => (replaysRef ? replaysRef.choices() : notOpenYet())
		},
		staff,
		publicUrl: config.publicUrl,
		trustProxy: config.trustProxy,
		httpsPort: () => httpsPort,
		setup: () => ({ boardLicence: config.tldrawLicenseKey ? 'set' : 'missing' }),
		rateLimits: sharedRates?.limit
	});
	const analytics = await startAnalytics(config.analytics, {
		dataDir: config.dataDir,
		bus,
		redisUrl: config.redisUrl,
		catalog,
		secret,
		homePage: config.publicUrl ?? `http://localhost:${config.port}`,
		signApiToken: (id) => tokens.signApi(id)
	});
	const analyticsHttp = new AnalyticsHttp({ staff: { require: (req) => unauthorizedOnRefusal(staff.require(req)) }, analytics: () => analytics.current() });
	const dataApiHttp = new DataApiHttp({ tokens: { verifyApi: (token) => unauthorizedOnRefusal(tokens.verifyApi(token)) }, analytics: () => analytics.current() });
	let boardsRef: BoardService | null = null;
	const recorder = await RecordingService.open({
		dataDir: config.dataDir,
		bus,
		boards: {
			async pageRecords(lessonId, boardId) {
				if (!boardsRef) return [];
				return (await boardsRef.lessonBoard(lessonId)).pageRecords(boardId) as unknown as Record<string, unknown>[];
			}
		},
		decks,
		directory: catalog,
		engine: { minFreeBytes: config.recording.minFreeBytes, segmentSeconds: config.recording.segmentSeconds },
		resumeWindowMs: config.reconnectGraceMs
	});
	const libraryAccess = new RecordingViewerAccess(staff, tokens);
	const recorded = new RecordedLessons({
		recorder,
		tokens,
		shared: () => cluster?.library ?? null,
		staffCredentials: async () => ({ authorization: `Bearer ${await staffAuth.adminToken(Date.now() + 60_000)}` })
	});
	const replays: RoomReplaySource = {
		async choices() {
			return (await recorded.ready()).map((entry) => ({
				lessonId: entry.lessonId,
				title: entry.title,
				teacherName: entry.teacherName,
				startedAt: entry.startedAt,
				durationMs: entry.durationMs,
				...(entry.origin ? { origin: entry.origin } : {})
			}));
		},
		async plan(lessonId) {
			const manifest = await recorded.manifest(lessonId);
			if (!manifest) throw new AppError('not_found', `no recorded lesson ${lessonId}`);
			return classReplayPlan(manifest, await recorded.timeline(lessonId));
		},
		mediaToken: (lessonId, expiresAt) => libraryAccess.signMedia(lessonId, expiresAt),
		async surface(lessonId) {
			const manifest = await recorded.manifest(lessonId);
			if (!manifest) throw new AppError('not_found', `no recorded lesson ${lessonId}`);
			const [timeline, boards] = await Promise.all([recorded.timeline(lessonId), recorded.boards(lessonId)]);
			return classReplaySurface(manifest, timeline, boards);
		}
	};
	replaysRef = replays;
	let forgetPackage: (lessonId: string) => Promise<void> = async () => undefined;
	const library: RecordingLibrary = {
		list: (query, only) => recorder.list(query, only),
		manifest: (lessonId) => recorder.manifest(lessonId),
		timeline: (lessonId) => recorder.timeline(lessonId),
		boards: (lessonId) => recorder.boards(lessonId),
		filePath: (lessonId, relative) => recorder.filePath(lessonId, relative),
		async remove(lessonId) {
			const removed = await recorder.remove(lessonId);
			if (removed) await forgetPackage(lessonId);
			return removed;
		}
	};
	const libraryHttp = new LibraryHttp({
		library,
		access: libraryAccess,
		tldrawLicenseKey: config.tldrawLicenseKey,
		// A node asked by another answers with its own part only.
		otherEntries: async (req, search) => (cluster?.library && !cluster.fromPeer(req) ? cluster.library.otherEntries(req, search) : [])
	});
	const slideImages = new PdfInspector({ parseTimeoutMs: 120_000, thumbWidth: 1280, concurrency: 1 });
	const lessonPackages = await LessonPackages.open({
		dataDir: config.dataDir,
		packages: recorder.packages,
		library: recorder.library,
		trustedKeys: config.packages.trustedKeys,
		maxBytes: config.packages.maxBytes,
		server: config.publicUrl ?? `http://localhost:${config.port}`,
		slides: { render: async (pdf, outDir) => void (await slideImages.inspect(pdf, outDir)) }
	});
	forgetPackage = (lessonId) => lessonPackages.forget(lessonId);
	const sync = config.sync
		? new SyncClient({ ...config.sync, dataDir: config.dataDir }, lessonPackages, {
				has: async (lessonId) => !!recorder.library.get(lessonId) || !!(await recorder.packages.readManifest(lessonId)),
				held: () => recorder.library.query({}).filter((e) => e.state === 'ready').map((e) => e.lessonId)
			})
		: null;
	const packagesHttp = new PackagesHttp({
		packages: lessonPackages,
		access: libraryAccess,
		auditNamed: async (detail) => void (await analytics.current()?.audit.record('export.named', detail)),
		manifest: (lessonId) => recorder.manifest(lessonId),
		syncStatus: () => sync?.status() ?? null
	});
	let metricsText: () => Promise<string> = async () => '';
	const staffSessionHttp = new StaffSessionHttp({ access: staff, origin: requestOrigin });
	const routes = [deckHttp, analyticsHttp, dataApiHttp, packagesHttp, libraryHttp, staffSessionHttp, api];
	const notFound = (res: ServerResponse) => {
		res.writeHead(404, { 'content-type': 'text/plain' });
		res.end('not found');
	};
	const health = new Health({
		workers: () => sfu.pool.slots.length,
		dataDir: config.dataDir,
		minFreeBytes: config.ops.healthMinFreeBytes,
		analytics: () => analytics.health(),
		redisUrl: config.redisUrl
	});
	const ops = new OpsHttp({ health, metricsText: () => metricsText(), metricsToken: config.ops.metricsToken });
	const accessLog = createAccessLog();
	const httpServer = createServer((req, res) => {
		accessLog(req, res);
		const target = requestTarget(req);
		applySecurityHeaders(res, target?.pathname);
		if (!target) {
			log.info({ method: req.method, target: String(req.url).slice(0, 200) }, 'malformed request target refused');
			res.writeHead(400, { 'content-type': 'text/plain', connection: 'close' });
			res.end('malformed request target');
			return;
		}
		(async () => {
			if (await cluster?.forwardRequest(req, res)) return;
			if (await ops.handle(req, res, target.pathname)) return;
			for (const route of routes) if (await route.handle(req, res)) return;
			if (web) web(req, res, () => notFound(res));
			else notFound(res);
		})().catch((error: unknown) => failRequest(res, error, target.pathname));
	});

	const boardStorage: BoardStorage = config.redisUrl
		? new MirroredBoardStorage([new FileBoardStorage(config.dataDir), new RedisBoardStorage(config.redisUrl)])
		: new FileBoardStorage(config.dataDir);
	const boards = new BoardService(httpServer, {
		storage: boardStorage,
		bus,
		tokens,
		catalog,
		async canDraw(grant) {
			if (grant.role === 'teacher') return true;
			if (grant.role === 'observer' || grant.role === 'staff') return false;
			return (await readSurface(store, boardStorage, grant.lessonId)).drawers.includes(grant.participantId);
		},
		async shownBoard(lessonId) {
			return readShownBoard(store, boardStorage, lessonId);
		}
	});
	boardsRef = boards;
	const signalling = new SignallingServer(httpServer, {
		sfu,
		store,
		bus,
		catalog,
		tokens,
		reconnectGraceMs: config.reconnectGraceMs,
		redisUrl: config.redisUrl,
		turn: config.turn,
		boards,
		pollDrafts: new PollDraftFiles(config.dataDir),
		decks,
		tldrawLicenseKey: config.tldrawLicenseKey,
		recorder,
		replays,
		requestRateScale: config.requestRateScale,
		rateLimits: sharedRates?.limit,
		edgeOf: (req) => cluster?.forwardingNode(req) ?? null
	});
	signallingRef = signalling;
	// Another node holding a lesson drives its participants' media here (their transports on this node's workers).
	const edgeMedia = cluster ? new EdgeMediaServer(sfu.edgeHost, (req) => cluster.fromPeer(req)) : null;
	if (edgeMedia) httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void edgeMedia.handleUpgrade(req, socket, head));
	// After socket.io and the board have attached theirs: a lesson on another node is forwarded before they see it.
	cluster?.interceptUpgrades(httpServer);
	// A phone joined or a claim changed over HTTP: the room's panels get the class list again.
	catalog.onRoomChanged((lessonId, classroomId) => {
		const session = signalling.sessions.get(lessonId);
		if (session?.classroom(classroomId)) classListUpdated(session, classroomId);
	});
	const registry = createMetrics(sfu, signalling, bus, boards, { analytics, recordings: recorder });
	metricsText = () => registry.metrics();

	await new Promise<void>((resolve, reject) => {
		httpServer.once('error', reject);
		httpServer.listen(config.port, config.host, () => resolve());
	});
	const { port } = httpServer.address() as AddressInfo;
	const https = config.https ? await startHttps(httpServer, config.host, config.https, config.dataDir) : null;
	httpsPort = https?.port ?? null;
	const adminGenerations = cluster ? new AdminGenerationSync(cluster.redis, config.dataDir) : null;
	const nodeId = config.node.id ?? `${hostname()}-${port}`;
	await cluster?.start({
		secret,
		onBeat: async () => adminGenerations?.run(),
		analyticsWriter: () => analytics.health().role === 'writer',
		nodeId,
		nodeUrl: config.node.url ?? `http://${config.host === '0.0.0.0' || config.host === '::' ? (firstLanIPv4() ?? '127.0.0.1') : config.host}:${port}`,
		load: async () => ({ lessons: signalling.sessions.size, consumers: (await sfu.counts()).consumers + sfu.edgeHost.consumers }),
		serving: (lessonId) => signalling.sessions.has(lessonId),
		lessons: () => signalling.sessions.keys(),
		handOver: (lessonId) => {
			signalling.handOver(lessonId);
			inBackground(log, 'closing a handed-over board', boards.closeLesson(lessonId), { lessonId });
		},
		holdsRecording: (lessonId) => !!recorder.library.get(lessonId),
		trustProxy: config.trustProxy,
		lessonOfJoinCode: (code) => {
			const parsed = JoinCodeSchema.safeParse(code);
			return parsed.success ? (catalog.lookupJoinCode(parsed.data)?.lesson.id ?? null) : null;
		}
	});
	const sharedLibrary = cluster?.library;
	if (sharedLibrary) {
		recorder.library.onChange((lessonId, held) => void sharedLibrary.hold([lessonId], held));
		await sharedLibrary.hold(recorder.library.lessonIds());
	}
	const peerHeaders = cluster?.peerHeaders;
	const clusterRegistry = cluster?.registry;
	const edgeLinks =
		clusterRegistry && peerHeaders ? new EdgeLinks({ nodeUrl: async (id) => (await clusterRegistry.node(id))?.url ?? null, headers: peerHeaders }) : null;
	if (edgeLinks) sfu.useEdges(edgeLinks.connect);
	if (cluster?.registry && peerHeaders) {
		deckCopies = await DeckCopies.start({
			nodeId,
			redis: cluster.redis,
			registry: cluster.registry,
			decks,
			tokens,
			peerHeaders,
			maxBytes: config.slides.maxBytes
		});
	}
	const url = config.publicUrl ?? `http://localhost:${port}`;
	// Valid until its TTL or the next `npm run admin-link`, whichever comes first.
	const adminToken = await staffAuth.adminToken(Date.now() + config.adminTokenTtlDays * 86_400_000);
	log.info({ url, httpsUrl: https?.url, store: store.kind, workers: sfu.pool.slots.length }, 'classbridge listening');
	sync?.start();

	return {
		httpServer,
		url,
		adminUrl: `${url}/admin?token=${adminToken}`,
		https,
		sfu,
		store,
		bus,
		catalog,
		tokens,
		signalling,
		boards,
		analytics,
		recorder,
		packages: lessonPackages,
		sync,
		async close() {
			// First: the other nodes take this node's lessons over at once.
			await deckCopies?.close();
			await cluster?.close();
			await edgeLinks?.close();
			edgeMedia?.close();
			await sync?.stop();
			// Parts close cleanly while their routers still exist.
			await recorder.close();
			await signalling.close();
			catalog.claims.close();
			await boards.close();
			// After signalling: the last leave events are in the final batch.
			await analytics.close();
			sfu.close();
			await health.close();
			await store.close();
			await catalogReplica?.close();
			await sharedRates?.close();
			cluster?.disconnect();
			if (https) {
				await new Promise<void>((resolve) => https.server.close(() => resolve()));
				https.server.closeAllConnections();
			}
			await new Promise<void>((resolve) => httpServer.close(() => resolve()));
			httpServer.closeAllConnections();
		}
	};
}

/**
 * HTTPS on its own port: each request and WebSocket upgrade is handed to the HTTP server's listeners,
 * so socket.io, /board and every route serve both without knowing which one a browser came in on.
 */
async function startHttps(
	httpServer: HttpServer,
	host: string,
	options: { port: number; certFile: string | null; keyFile: string | null },
	dataDir: string
): Promise<{ server: HttpsServer; port: number; url: string; tls: TlsMaterial }> {
	const tls = await loadTls(dataDir, options);
	const server = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => httpServer.emit('request', req, res));
	server.on('upgrade', (req, socket, head) => httpServer.emit('upgrade', req, socket, head));
	server.on('tlsClientError', (error) => log.debug({ err: error.message }, 'TLS handshake failed'));
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port, host, () => resolve());
	});
	const { port } = server.address() as AddressInfo;
	const shownHost = host === '0.0.0.0' || host === '::' ? (firstLanIPv4() ?? 'localhost') : host;
	return { server, port, url: `https://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`, tls };
}

/** Recorded lessons to teach again: a room page lists the ready ones. */
type RoomReplaySource = ClassReplaySource & { choices(): Promise<RoomReplayChoice[]> };

function notOpenYet(): Promise<never> {
	return Promise.reject(new AppError('unavailable', 'recordings are not open yet'));
}
