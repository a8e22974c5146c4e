import type { Router, WebRtcServer } from 'mediasoup/types';
import { SfuError } from './errors.ts';

/**
 * Where one lesson's media is routed. Today that is a single router on one worker. When a lesson
 * outgrows a worker (or a node), routers on other workers are added here and producers are piped to
 * them; LessonMedia asks this class which router a transport goes on and to make a producer reachable
 * there, so nothing above it changes.
 */
export class LessonRouter {
	/** The router the lesson's producers are made on. */
	readonly origin: Router;
	readonly #webRtcServer: WebRtcServer;

	constructor(origin: Router, webRtcServer: WebRtcServer) {
		this.origin = origin;
		this.#webRtcServer = webRtcServer;
	}

	/** The router (and the worker's WebRTC server) a new participant transport goes on. */
	placeTransport(): { router: Router; webRtcServer: WebRtcServer } {
		return { router: this.origin, webRtcServer: this.#webRtcServer };
	}

	/** Makes a producer consumable on `router`; with one router every producer already is. */
	async reach(producerId: string, router: Router): Promise<void> {
		if (router !== this.origin) throw new SfuError('unavailable', `producer ${producerId} is on another router`);
	}

	close(): void {
		this.origin.close();
	}
}
