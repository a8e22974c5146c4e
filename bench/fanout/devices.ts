/**
 * The product mode's devices thread: the socket.io clients of the teacher and the classroom devices.
 * They stand in for browsers on other machines, so their CPU (decoding what the server sends,
 * answering its pings) is measured apart and left out of the server's figures, as the sink
 * thread's is. The main thread drives them through DeviceThread (deviceThread.ts).
 */

import { parentPort } from 'node:worker_threads';
import type { ConsumerOffer } from '../../protocol/index.ts';
import { TestClient } from '../../app/testing/harness.ts';
import type { DeviceReply, DeviceRequest } from './deviceProtocol.ts';
import { threadCpuMs } from './stats.ts';

const port = parentPort;
if (!port) throw new Error('devices.ts runs as a worker thread');

const clients = new Map<string, TestClient>();

function client(key: string): TestClient {
	const found = clients.get(key);
	if (!found) throw new Error(`no device ${key}`);
	return found;
}

async function handle(request: DeviceRequest): Promise<unknown> {
	switch (request.type) {
		case 'open':
			clients.set(request.key, new TestClient(request.url, request.token));
			return null;
		case 'join':
			return client(request.key).joinLesson();
		case 'ok':
			return client(request.key).ok(request.name as never, request.payload as never);
		case 'offer':
			return client(request.key).next('media.consumer', (o: ConsumerOffer) => o.producerId === request.producerId, request.timeoutMs);
		case 'forget':
			// What the devices were sent while joining is theirs to drop, not the window's to carry.
			for (const c of clients.values()) c.received.length = 0;
			return null;
		case 'cpu':
			return threadCpuMs();
		case 'close':
			for (const c of clients.values()) c.close();
			clients.clear();
			return null;
	}
}

port.on('message', (request: DeviceRequest) => {
	handle(request).then(
		(value) => port.postMessage({ id: request.id, ok: true, value } satisfies DeviceReply),
		(error: unknown) => port.postMessage({ id: request.id, ok: false, message: (error as Error).message } satisfies DeviceReply)
	);
});
