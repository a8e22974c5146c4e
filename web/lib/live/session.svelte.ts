import type { types } from 'mediasoup-client';
import {
	PROTOCOL_VERSION,
	PUBLISHABLE_SOURCES,
	may,
	type ConnectRefusal,
	type JsonObject,
	type MediaSource,
	type RequestName,
	type RequestPayload,
	type Responses,
	type Role,
	type IceServer
} from '$protocol';
import { MediaEngine, StaleEpoch, type LocalPublication, type RemoteMedia } from '../media/engine.ts';
import { captureCamera, captureMic, captureScreen, listDevices, type DeviceLists } from '../media/local-media.ts';
import { BackoffReconnectPolicy, type ReconnectPolicy } from '../net/reconnect-policy.ts';
import { SignallingClient } from '../signalling/client.ts';
import { RequestError, errorCodeOf } from '../signalling/request-error.ts';
import { t, type MessageKey } from '../i18n/index.svelte.ts';
import { fetchSession, type SessionInfo } from './session-info.ts';
import { LessonState } from './lesson-state.svelte.ts';
import { Toasts } from './toasts.svelte.ts';
import { SurfaceRuntime } from '../surface/runtime.svelte.ts';
import { PollsModel } from '../polls/polls-model.svelte.ts';

export type ConnectionState = 'connected' | 'reconnecting' | 'offline';

export type StopReason =
	| { kind: 'refused'; code: ConnectRefusal | null; message: string }
	| { kind: 'replaced' }
	| { kind: 'no-token' }
	/** The teacher ended the lesson (server time). */
	| { kind: 'ended'; at: number };

/** After this long without the server we say "offline" (still retrying underneath). */
const OFFLINE_AFTER_MS = 12_000;

/**
 * One live lesson in this tab: ties the signalling client, the media engine and the room state
 * together, and runs the reconnect/rejoin logic. Views read its $state and call its actions.
 */
export class LiveSession {
	role = $state<Role | null>(null);
	selfId = $state<string | null>(null);
	classroomId = $state<string | null>(null);
	expiresAt = $state<number | null>(null);
	/** From /api/session: this server over HTTPS, for a page opened over plain http. */
	httpsOrigin = $state<string | null>(null);
	stopped = $state<StopReason | null>(null);
	/** True once lesson.join answered at least once. */
	joined = $state(false);
	everConnected = $state(false);
	remote = $state.raw<RemoteMedia[]>([]);
	local = $state.raw<LocalPublication[]>([]);
	devices = $state.raw<DeviceLists>({ mics: [], cameras: [] });
	soundBlocked = $state(false);
	/** Bumped by a user gesture after the browser blocked autoplay; audio elements then retry. */
	soundUnlocked = $state(0);
	busy = $state.raw<Partial<Record<MediaSource, boolean>>>({});
	/** The lesson link's token: the decks API and the board socket authenticate with it too. */
	token = $state<string | null>(null);
	/** From the join answer; null on localhost development. */
	tldrawLicenseKey = $state<string | null>(null);

	readonly lesson = new LessonState();
	readonly toasts = new Toasts();
	/** The mounted slide page and board, for export and the test hooks. */
	readonly surface = new SurfaceRuntime();
	/** Polls: the teacher's list, live results, class lists (the public poll is in the snapshot). */
	readonly polls = new PollsModel();

	#socketUp = $state(false);
	#mediaUp = $state(false);
	#offline = $state(false);
	#transportStates = $state.raw<Record<string, types.ConnectionState>>({});

	connection: ConnectionState = $derived.by(() => {
		if (this.stopped || this.#offline) return 'offline';
		if (!this.#socketUp || !this.#mediaUp) return 'reconnecting';
		const states = Object.values(this.#transportStates);
		return states.some((s) => s === 'failed' || s === 'disconnected') ? 'reconnecting' : 'connected';
	});

	readonly #policy: ReconnectPolicy;
	readonly #engine: MediaEngine;
	#client: SignallingClient | null = null;
	#caps: JsonObject | null = null;
	#iceServers: IceServer[] = [];
	#joinSeq = 0;
	#destroyed = false;
	#offlineTimer: ReturnType<typeof setTimeout> | null = null;
	#autoPublished = false;
	#cleanup: (() => void)[] = [];

	constructor(policy: ReconnectPolicy = new BackoffReconnectPolicy()) {
		this.#policy = policy;
		this.#engine = new MediaEngine({
			request: (name, payload) => this.request(name, payload),
			signallingConnected: () => this.#client?.connected ?? false,
			policy,
			changed: () => {
				this.remote = this.#engine.remote();
				this.local = this.#engine.local().map((p) => ({ ...p }));
			},
			error: (context, err) => this.#mediaError(context, err),
			// ICE would not come back: join again on the same socket, which drops our old media server-side.
			rebuildNeeded: () => void this.#join(),
			transportState: (direction, state) => {
				this.#transportStates = { ...this.#transportStates, [direction]: state };
			}
		});
	}

	// --- lifecycle -------------------------------------------------------------------------------

	async start(token: string | null): Promise<void> {
		if (!token) {
			this.stopped = { kind: 'no-token' };
			return;
		}
		this.token = token;
		const info = await this.#fetchSessionWithRetry(token);
		if (!info || this.stopped || this.#destroyed) return;
		this.role = info.role;
		this.classroomId = info.classroomId;
		this.expiresAt = info.expiresAt;
		this.httpsOrigin = info.httpsOrigin;

		const client = new SignallingClient(token, this.#policy, {
			connected: () => {
				this.#socketUp = true;
				this.#clearOffline();
				// Every connection (first or after a drop) is a full join: same token, same identity.
				void this.#join();
			},
			disconnected: () => {
				this.#socketUp = false;
				this.#mediaUp = false;
				this.#armOffline();
			},
			refused: (code, message) => this.#stop({ kind: 'refused', code, message }),
			reconnecting: () => {
				if (!navigator.onLine) this.#offline = true;
			}
		});
		this.#client = client;
		this.#subscribe(client);
		this.#watchBrowser();
		client.connect();
	}

	destroy(): void {
		this.#destroyed = true;
		this.#joinSeq++;
		this.#clearOffline();
		for (const fn of this.#cleanup) fn();
		this.#cleanup = [];
		this.#client?.close();
		this.#engine.stop();
	}

	/** The typed request helper (also exposed to tests). Rejects with RequestError. */
	request<N extends RequestName>(name: N, payload: RequestPayload<N>): Promise<Responses[N]> {
		if (!this.#client) return Promise.reject(new RequestError('unavailable', 'not started'));
		return this.#client.request(name, payload);
	}

	/** A request started by the user: failures become a short toast. Returns null on failure. */
	async act<N extends RequestName>(name: N, payload: RequestPayload<N>): Promise<Responses[N] | null> {
		try {
			return await this.request(name, payload);
		} catch (err) {
			this.toastError(err);
			return null;
		}
	}

	toastError(err: unknown): void {
		const code = errorCodeOf(err);
		this.toasts.show(code ? t(`error.${code}` as MessageKey) : err instanceof Error ? err.message : String(err));
	}

	can(name: RequestName): boolean {
		return this.role !== null && may(this.role, name);
	}

	// --- test hooks ------------------------------------------------------------------------------

	engineStats() {
		return this.#engine.inboundStats();
	}

	engineCandidatePairs() {
		return this.#engine.selectedCandidatePairs();
	}

	engineOutboundStats(source: MediaSource) {
		return this.#engine.outboundStats(source);
	}

	/** Simulates a network cut: media transports and the socket's engine close under us. */
	dropConnection(): void {
		this.#engine.closeTransports();
		this.#client?.socket.io.engine?.close();
	}

	// --- publishing ------------------------------------------------------------------------------

	publication(source: MediaSource): LocalPublication | undefined {
		return this.local.find((p) => p.source === source);
	}

	async toggleSource(source: 'mic' | 'camera'): Promise<void> {
		const pub = this.#engine.publication(source);
		if (!pub) {
			await this.#startSource(source);
			return;
		}
		try {
			await this.#engine.setPaused(source, !pub.paused);
		} catch (err) {
			this.toastError(err);
		}
	}

	async toggleScreen(): Promise<void> {
		if (this.#engine.publication('screen')) {
			await this.#engine.unpublish('screen');
			return;
		}
		this.#setBusy('screen', true);
		try {
			const track = await captureScreen();
			await this.#engine.publish('screen', track);
		} catch (err) {
			// Cancelling the browser's picker is not an error worth shouting about.
			if (!(err instanceof DOMException && err.name === 'NotAllowedError')) {
				this.toasts.show(t('media.screenError', { message: describe(err) }));
			}
		} finally {
			this.#setBusy('screen', false);
		}
	}

	async selectDevice(source: 'mic' | 'camera', deviceId: string): Promise<void> {
		this.#setBusy(source, true);
		try {
			const track = source === 'mic' ? await captureMic(deviceId) : await captureCamera(deviceId);
			await this.#engine.replaceTrack(source, track);
		} catch (err) {
			this.toasts.show(t('media.deviceError', { device: deviceName(source), message: describe(err) }));
		} finally {
			this.#setBusy(source, false);
		}
	}

	async refreshDevices(): Promise<void> {
		try {
			this.devices = await listDevices();
		} catch {
			// Listing is best effort; the pickers just stay empty.
		}
	}

	unlockSound(): void {
		this.soundBlocked = false;
		this.soundUnlocked++;
	}

	// --- internals -------------------------------------------------------------------------------

	async #join(): Promise<void> {
		const seq = ++this.#joinSeq;
		this.#mediaUp = false;
		this.#transportStates = {};
		this.#engine.teardown();
		this.lesson.beginJoin();
		for (let attempt = 0; ; attempt++) {
			if (seq !== this.#joinSeq || !this.#client?.connected || this.stopped) return;
			try {
				const result = await this.request('lesson.join', { protocol: PROTOCOL_VERSION });
				if (seq !== this.#joinSeq) return;
				this.selfId = result.self.id;
				this.role = result.self.role;
				this.classroomId = result.self.classroomId;
				this.lesson.applySnapshot(result.lesson);
				this.lesson.resetChat(result.chat);
				this.#caps = result.routerRtpCapabilities;
				this.#iceServers = result.iceServers ?? [];
				this.tldrawLicenseKey = result.tldrawLicenseKey ?? null;
				this.joined = true;
				void this.#loadPolls(seq);
				await this.#startMedia();
				if (seq !== this.#joinSeq) return;
				this.#mediaUp = true;
				this.everConnected = true;
				this.#clearOffline();
				this.#autoPublish();
				return;
			} catch (err) {
				// StaleEpoch: another join started meanwhile and owns the media now.
				if (seq !== this.#joinSeq || err instanceof StaleEpoch) return;
				const code = errorCodeOf(err);
				if (code === 'unauthorized' || code === 'forbidden') {
					this.#stop({ kind: 'refused', code: 'token_invalid', message: describe(err) });
					return;
				}
				if (code === 'not_found') {
					this.#stop({ kind: 'refused', code: 'lesson_not_found', message: describe(err) });
					return;
				}
				console.warn('[classbridge] join failed, retrying', err);
				await sleep(this.#policy.nextDelayMs(attempt));
			}
		}
	}

	/** What this role may know about polls, after every (re)join; best effort. */
	async #loadPolls(seq: number): Promise<void> {
		try {
			const state = await this.request('poll.state', {});
			if (seq === this.#joinSeq) this.polls.applyState(state);
		} catch (err) {
			console.warn('[classbridge] poll state unavailable', err);
		}
	}

	async #startMedia(): Promise<void> {
		const role = this.role;
		if (!role || !this.#caps) return;
		await this.#engine.start({
			routerRtpCapabilities: this.#caps,
			iceServers: this.#iceServers,
			role,
			receive: may(role, 'media.ready'),
			send: PUBLISHABLE_SOURCES[role].length > 0
		});
	}

	/** Rooms and the teacher go live with mic and camera on, once per page load. */
	#autoPublish(): void {
		if (this.#autoPublished || (this.role !== 'teacher' && this.role !== 'classroom')) return;
		this.#autoPublished = true;
		// No camera or microphone on this origin (plain http): the page's notice says why; nothing to try.
		if (!navigator.mediaDevices?.getUserMedia) return;
		void (async () => {
			await this.#startSource('mic');
			await this.#startSource('camera');
		})();
	}

	async #startSource(source: 'mic' | 'camera'): Promise<void> {
		if (!navigator.mediaDevices?.getUserMedia) {
			this.toasts.show(t('secure.title'));
			return;
		}
		this.#setBusy(source, true);
		try {
			const track = source === 'mic' ? await captureMic() : await captureCamera();
			await this.#engine.publish(source, track);
			void this.refreshDevices();
		} catch (err) {
			this.toasts.show(t('media.deviceError', { device: deviceName(source), message: describe(err) }));
		} finally {
			this.#setBusy(source, false);
		}
	}

	#subscribe(client: SignallingClient): void {
		const offs = [
			client.on('lesson.snapshot', (s) => this.lesson.applySnapshot(s)),
			client.on('chat.message', (m) => this.lesson.addChat(m)),
			client.on('media.consumer', (offer) => void this.#engine.handleOffer(offer)),
			client.on('media.consumerClosed', ({ consumerId }) => this.#engine.handleConsumerClosed(consumerId)),
			client.on('media.consumerPaused', ({ consumerId, paused }) => this.#engine.handleConsumerPaused(consumerId, paused)),
			client.on('media.consumerLayers', ({ consumerId, spatialLayer }) =>
				this.#engine.handleConsumerLayers(consumerId, spatialLayer)
			),
			// The SFU worker died: the server wants the same socket to join again for fresh media.
			client.on('media.reset', () => void this.#join()),
			client.on('network.quality', (list) => this.lesson.setNetwork(list)),
			client.on('speaker.active', (s) => this.lesson.setSpeaker(s)),
			client.on('session.replaced', () => this.#stop({ kind: 'replaced' })),
			client.on('lesson.ended', ({ at }) => this.#stop({ kind: 'ended', at })),
			client.on('polls.results', (r) => (this.polls.results = r)),
			client.on('polls.list', (list) => (this.polls.list = list)),
			client.on('classList.updated', (list) => this.polls.setClassList(list))
		];
		this.#cleanup.push(() => offs.forEach((off) => off()));
	}

	#watchBrowser(): void {
		const offline = () => (this.#offline = true);
		const online = () => {
			if (this.#socketUp) this.#offline = false;
		};
		const devicechange = () => void this.refreshDevices();
		window.addEventListener('offline', offline);
		window.addEventListener('online', online);
		navigator.mediaDevices?.addEventListener('devicechange', devicechange);
		this.#cleanup.push(() => {
			window.removeEventListener('offline', offline);
			window.removeEventListener('online', online);
			navigator.mediaDevices?.removeEventListener('devicechange', devicechange);
		});
	}

	async #fetchSessionWithRetry(token: string): Promise<SessionInfo | null> {
		for (let attempt = 0; !this.#destroyed; attempt++) {
			const result = await fetchSession(token);
			if (result.ok) return result.info;
			if (result.refusal) {
				this.#stop({ kind: 'refused', code: result.refusal, message: result.message });
				return null;
			}
			// The server is not reachable yet (a kiosk booting before the network): keep trying.
			this.#offline = attempt >= 5;
			await sleep(this.#policy.nextDelayMs(attempt));
		}
		return null;
	}

	#stop(reason: StopReason): void {
		if (this.stopped) return;
		this.stopped = reason;
		this.#joinSeq++;
		this.#client?.close();
		this.#engine.stop();
	}

	#armOffline(): void {
		if (this.#offlineTimer || this.stopped) return;
		if (!navigator.onLine) this.#offline = true;
		this.#offlineTimer = setTimeout(() => (this.#offline = true), OFFLINE_AFTER_MS);
	}

	#clearOffline(): void {
		if (this.#offlineTimer) clearTimeout(this.#offlineTimer);
		this.#offlineTimer = null;
		this.#offline = false;
	}

	#mediaError(context: string, err: unknown): void {
		console.warn(`[classbridge] media error (${context})`, err);
		if (context === 'mic' || context === 'camera' || context === 'screen') {
			this.toasts.show(t('media.deviceError', { device: deviceName(context), message: describe(err) }));
		}
	}

	#setBusy(source: MediaSource, busy: boolean): void {
		this.busy = { ...this.busy, [source]: busy };
	}
}

function deviceName(source: MediaSource): string {
	return t(source === 'mic' ? 'media.mic' : source === 'camera' ? 'media.camera' : 'media.screen').toLowerCase();
}

function describe(err: unknown): string {
	if (err instanceof DOMException) {
		if (err.name === 'NotAllowedError') return t('media.permissionDenied');
		if (err.name === 'NotFoundError') return t('media.notFound');
		return err.message || err.name;
	}
	return err instanceof Error ? err.message : String(err);
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
