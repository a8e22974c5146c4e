/**
 * How long to wait before the next try after a failure (socket reconnect, rejoin, ICE restart).
 * Pluggable: pass another implementation to LiveSession to change the behaviour.
 */
export interface ReconnectPolicy {
	/** Delay before attempt number `attempt` (0-based). */
	nextDelayMs(attempt: number): number;
	/** The same policy expressed as socket.io Manager options (socket.io retries by itself). */
	socketOptions(): {
		reconnection: true;
		reconnectionAttempts: number;
		reconnectionDelay: number;
		reconnectionDelayMax: number;
		randomizationFactor: number;
	};
}

export interface BackoffOptions {
	baseMs?: number;
	maxMs?: number;
	/** 0..1: each delay is spread by up to this fraction either way, so rooms do not retry in step. */
	jitter?: number;
}

/** Exponential backoff kept short: a school network that drops for 30 s must recover on its own. */
export class BackoffReconnectPolicy implements ReconnectPolicy {
	readonly baseMs: number;
	readonly maxMs: number;
	readonly jitter: number;

	constructor({ baseMs = 500, maxMs = 2000, jitter = 0.3 }: BackoffOptions = {}) {
		this.baseMs = baseMs;
		this.maxMs = maxMs;
		this.jitter = Math.min(Math.max(jitter, 0), 1);
	}

	nextDelayMs(attempt: number): number {
		const raw = Math.min(this.maxMs, this.baseMs * 2 ** Math.max(0, attempt));
		const spread = raw * this.jitter * (Math.random() * 2 - 1);
		return Math.max(0, Math.round(raw + spread));
	}

	socketOptions() {
		return {
			reconnection: true as const,
			reconnectionAttempts: Infinity,
			reconnectionDelay: this.baseMs,
			reconnectionDelayMax: this.maxMs,
			randomizationFactor: this.jitter
		};
	}
}
