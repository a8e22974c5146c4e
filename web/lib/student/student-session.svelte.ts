import { SurfaceRuntime } from '../surface/runtime.svelte.ts';
import { PROTOCOL_VERSION, type ConnectRefusal, type RequestName, type RequestPayload, type Responses } from '$protocol';
import { BackoffReconnectPolicy } from '../net/reconnect-policy.ts';
import { SignallingClient } from '../signalling/client.ts';
import { RequestError, errorCodeOf } from '../signalling/request-error.ts';
import { t, type MessageKey } from '../i18n/index.svelte.ts';
import { LessonState } from '../live/lesson-state.svelte.ts';
import { Toasts } from '../live/toasts.svelte.ts';
import { PollsModel } from '../polls/polls-model.svelte.ts';

export type StudentConnection = 'connecting' | 'connected' | 'reconnecting';

/**
 * A student's phone in a lesson: signalling only (no media, no board, no slides), so the page stays
 * small and works on a slow link. Every (re)connection joins again with the same lesson token.
 */
export class StudentSession {
	selfId = $state<string | null>(null);
	classroomId = $state<string | null>(null);
	joined = $state(false);
	connection = $state<StudentConnection>('connecting');
	stopped = $state<{ code: ConnectRefusal | null; message: string } | null>(null);

	readonly role = 'student' as const;
	/** The phone's device token: the board socket authenticates with it when the student may draw. */
	token = $state<string | null>(null);
	tldrawLicenseKey = $state<string | null>(null);
	readonly surface = new SurfaceRuntime();
	readonly lesson = new LessonState();
	readonly polls = new PollsModel();
	readonly toasts = new Toasts();

	#client: SignallingClient | null = null;
	#offs: (() => void)[] = [];

	start(token: string): void {
		this.token = token;
		const client = new SignallingClient(token, new BackoffReconnectPolicy(), {
			connected: () => {
				this.connection = 'connected';
				void this.#join();
			},
			disconnected: () => {
				if (!this.stopped) this.connection = 'reconnecting';
			},
			refused: (code, message) => this.#stop(code, message),
			reconnecting: () => {
				this.connection = 'reconnecting';
			}
		});
		this.#client = client;
		this.#offs = [
			client.on('lesson.snapshot', (s) => this.lesson.applySnapshot(s)),
			client.on('chat.message', (m) => this.lesson.addChat(m)),
			client.on('session.replaced', () => this.#stop(null, 'replaced')),
			client.on('lesson.ended', () => this.#stop('lesson_ended', 'ended'))
		];
		client.connect();
	}

	destroy(): void {
		for (const off of this.#offs) off();
		this.#offs = [];
		this.#client?.close();
	}

	request<N extends RequestName>(name: N, payload: RequestPayload<N>): Promise<Responses[N]> {
		if (!this.#client) return Promise.reject(new RequestError('unavailable', 'not started'));
		return this.#client.request(name, payload);
	}

	async act<N extends RequestName>(name: N, payload: RequestPayload<N>): Promise<Responses[N] | null> {
		try {
			return await this.request(name, payload);
		} catch (err) {
			const code = errorCodeOf(err);
			this.toasts.show(code ? t(`error.${code}` as MessageKey) : String(err));
			return null;
		}
	}

	async #join(): Promise<void> {
		this.lesson.beginJoin();
		try {
			const result = await this.request('lesson.join', { protocol: PROTOCOL_VERSION });
			this.selfId = result.self.id;
			this.classroomId = result.self.classroomId;
			this.tldrawLicenseKey = result.tldrawLicenseKey ?? null;
			this.lesson.applySnapshot(result.lesson);
			this.lesson.resetChat(result.chat);
			this.polls.applyState(await this.request('poll.state', {}));
			this.joined = true;
		} catch (err) {
			const code = errorCodeOf(err);
			if (code === 'unauthorized' || code === 'forbidden' || code === 'not_found') {
				this.#stop(code === 'not_found' ? 'lesson_not_found' : 'token_invalid', String(err));
			} else {
				console.warn('[classbridge] student join failed', err);
				setTimeout(() => this.#client?.connected && void this.#join(), 2000);
			}
		}
	}

	#stop(code: ConnectRefusal | null, message: string): void {
		this.stopped = { code, message };
		this.#client?.close();
	}
}
