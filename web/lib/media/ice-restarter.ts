import type { types } from 'mediasoup-client';
import type { RequestFn } from '../signalling/client.ts';
import type { ReconnectPolicy } from '../net/reconnect-policy.ts';

const DISCONNECT_GRACE_MS = 2000;
const MAX_ICE_RESTARTS = 5;

export interface IceRestarterDeps {
	request: RequestFn;
	signallingConnected(): boolean;
	policy: ReconnectPolicy;
	error(context: string, err: unknown): void;
	/** ICE would not come back after several restarts: rebuild everything. */
	giveUp(): void;
}

/**
 * Watches transports' connection states and restarts ICE when one stays `disconnected` for a
 * grace period or goes `failed`, retrying with the reconnect policy's delays.
 */
export class IceRestarter {
	#deps: IceRestarterDeps;
	#timers = new Map<string, ReturnType<typeof setTimeout>>();
	#attempts = new Map<string, number>();

	constructor(deps: IceRestarterDeps) {
		this.#deps = deps;
	}

	onState(transport: types.Transport, state: types.ConnectionState): void {
		this.#clearTimer(transport.id);
		if (state === 'connected') {
			this.#attempts.delete(transport.id);
		} else if (state === 'disconnected') {
			// Often recovers by itself (Wi-Fi roam); restart only if it stays down.
			this.#schedule(transport, DISCONNECT_GRACE_MS);
		} else if (state === 'failed') {
			void this.#restart(transport);
		}
	}

	reset(): void {
		for (const timer of this.#timers.values()) clearTimeout(timer);
		this.#timers.clear();
		this.#attempts.clear();
	}

	async #restart(transport: types.Transport): Promise<void> {
		this.#timers.delete(transport.id);
		if (transport.closed) return;
		if (transport.connectionState === 'connected' || transport.connectionState === 'connecting') return;
		// Without the socket the server cannot answer; the socket reconnect rebuilds everything.
		if (!this.#deps.signallingConnected()) return;
		const attempt = this.#attempts.get(transport.id) ?? 0;
		if (attempt >= MAX_ICE_RESTARTS) {
			this.#attempts.delete(transport.id);
			this.#deps.giveUp();
			return;
		}
		this.#attempts.set(transport.id, attempt + 1);
		try {
			const { iceParameters } = await this.#deps.request('media.restartIce', { transportId: transport.id });
			if (transport.closed) return;
			await transport.restartIce({ iceParameters: iceParameters as unknown as types.IceParameters });
		} catch (err) {
			if (transport.closed) return;
			this.#deps.error('restartIce', err);
		}
		// Check again later: if ICE is still not up, try again (or give up after too many tries).
		this.#schedule(transport, DISCONNECT_GRACE_MS + this.#deps.policy.nextDelayMs(attempt));
	}

	#schedule(transport: types.Transport, ms: number): void {
		this.#clearTimer(transport.id);
		this.#timers.set(
			transport.id,
			setTimeout(() => void this.#restart(transport), ms)
		);
	}

	#clearTimer(id: string): void {
		const timer = this.#timers.get(id);
		if (timer) clearTimeout(timer);
		this.#timers.delete(id);
	}
}
