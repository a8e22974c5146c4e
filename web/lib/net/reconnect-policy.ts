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
		/** How long one connection attempt may take before it is dropped and the next one starts. */
		timeout: number;
	};
}

export interface BackoffOptions {
	baseMs?: number;
	maxMs?: number;
	/** 0..1: each delay is spread by up to this fraction either way, so rooms do not retry in step. */
	jitter?: number;
	/**
	 * One connection attempt's limit. An attempt opened while the link is down hangs (its SYN or
	 * upgrade waits to be sent again); a short limit lets a fresh attempt start soon after the link
	 * returns. It still allows a handshake of several round trips on a 600 ms, lossy link.
	 */
	attemptTimeoutMs?: number;
}

/** Exponential backoff kept short: a school network that drops for 30 s must recover on its own. */
export class BackoffReconnectPolicy implements ReconnectPolicy {
	readonly baseMs: number;
	readonly maxMs: number;
	readonly jitter: number;
	readonly attemptTimeoutMs: number;

	constructor({ baseMs = 500, maxMs = 2000, jitter = 0.3, attemptTimeoutMs = 8000 }: BackoffOptions = {}) {
		this.baseMs = baseMs;
		this.maxMs = maxMs;
		this.attemptTimeoutMs = attemptTimeoutMs;
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
			randomizationFactor: this.jitter,
			timeout: this.attemptTimeoutMs
		};
	}
}
