import { io, type Socket } from 'socket.io-client';
import type {
	Ack,
	ConnectRefusal,
	NotificationName,
	RequestName,
	RequestPayload,
	Responses,
	ServerNotifications
} from '$protocol';
import { ConnectRefusalSchema, SOCKET_LESSON_PARAM, tokenLessonId } from '$protocol';
import type { ReconnectPolicy } from '../net/reconnect-policy.ts';
import { RequestError } from './request-error.ts';

export type RequestFn = <N extends RequestName>(name: N, payload: RequestPayload<N>) => Promise<Responses[N]>;

export interface SignallingHandlers {
	/** Every successful (re)connection; `first` is true only for the very first one. */
	connected(first: boolean): void;
	disconnected(reason: string): void;
	/** The server refused the connection for good (bad/expired link…); socket.io will not retry. */
	refused(code: ConnectRefusal | null, message: string): void;
	/** A reconnection attempt is starting (for the UI). */
	reconnecting(attempt: number): void;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** The socket.io connection and the typed request helper. Knows nothing of media or UI. */
export class SignallingClient {
	readonly socket: Socket;
	#everConnected = false;
	#closed = false;

	constructor(token: string, policy: ReconnectPolicy, handlers: SignallingHandlers) {
		this.socket = io({
			path: '/socket.io',
			auth: { token },
			query: { [SOCKET_LESSON_PARAM]: tokenLessonId(token) ?? '' },
			transports: ['websocket'],
			autoConnect: false,
			...policy.socketOptions()
		});

		this.socket.on('connect', () => {
			const first = !this.#everConnected;
			this.#everConnected = true;
			handlers.connected(first);
		});
		this.socket.on('disconnect', (reason) => {
			if (reason === 'io server disconnect' && !this.#closed) {
				// The server closed us on purpose: socket.io will not retry by itself, so try once more;
				// a refusal on reconnect arrives as connect_error and stops the session.
				this.socket.connect();
			}
			handlers.disconnected(reason);
		});
		this.socket.on('connect_error', (err: Error) => {
			// Refusals from the server's auth middleware leave the socket inactive; network errors
			// keep it active and socket.io retries on its own.
			if (this.socket.active) return;
			const parsed = ConnectRefusalSchema.safeParse(err.message);
			handlers.refused(parsed.success ? parsed.data : null, err.message);
		});
		this.socket.io.on('reconnect_attempt', (attempt) => handlers.reconnecting(attempt));
	}

	get connected(): boolean {
		return this.socket.connected;
	}

	connect(): void {
		this.socket.connect();
	}

	/** One request, answered by one Ack; rejects with RequestError (code `timeout` if unanswered). */
	request<N extends RequestName>(
		name: N,
		payload: RequestPayload<N>,
		timeoutMs = DEFAULT_TIMEOUT_MS
	): Promise<Responses[N]> {
		return new Promise((resolve, reject) => {
			// socket.io would buffer the emit until reconnect; stale media requests must fail instead.
			if (!this.socket.connected) {
				reject(new RequestError('unavailable', 'not connected'));
				return;
			}
			this.socket.timeout(timeoutMs).emit(name, payload, (err: Error | null, ack: Ack<Responses[N]>) => {
				if (err) {
					const disconnected = /disconnected/.test(err.message);
					reject(new RequestError(disconnected ? 'unavailable' : 'timeout', err.message));
				} else if (!ack || typeof ack !== 'object') {
					reject(new RequestError('internal', `malformed answer to ${name}`));
				} else if (ack.ok) {
					resolve(ack.data);
				} else {
					reject(new RequestError(ack.error.code, ack.error.message));
				}
			});
		});
	}

	on<N extends NotificationName>(name: N, handler: (payload: ServerNotifications[N]) => void): () => void {
		const listener = (payload: ServerNotifications[N]) => handler(payload);
		// socket.io's listener typing is untyped here; the protocol types the payloads.
		this.socket.on(name as string, listener as (...args: unknown[]) => void);
		return () => this.socket.off(name as string, listener as (...args: unknown[]) => void);
	}

	/** Stop for good (session replaced, page closed): no more reconnects. */
	close(): void {
		this.#closed = true;
		this.socket.disconnect();
	}
}

