import * as mediasoup from 'mediasoup';
import type { Router, Worker } from 'mediasoup/types';
import { ROUTER_MEDIA_CODECS } from '../codecs.ts';

/** A bare worker and a router with the lesson codecs, for tests and fixtures that drive media directly. */
export interface TestRouter {
	worker: Worker;
	router: Router;
}

export async function createTestRouter(): Promise<TestRouter> {
	const worker = await mediasoup.createWorker({ logLevel: 'none' });
	const router = await worker.createRouter({ mediaCodecs: ROUTER_MEDIA_CODECS });
	return { worker, router };
}
