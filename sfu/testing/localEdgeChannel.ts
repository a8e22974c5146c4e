import type { EdgeHost } from '../edge/EdgeHost.ts';
import type { EdgeChannel, EdgeEvent } from '../edge/edgeTypes.ts';

/**
 * An edge link inside one process: the origin's calls reach the edge host's session and its events
 * come back, each through JSON as over the wire. `close()` is the edge going away.
 */
export function localEdgeChannel(host: EdgeHost, nodeId: string): EdgeChannel & { close(): void } {
	const eventListeners = new Set<(event: EdgeEvent) => void>();
	const closeListeners = new Set<() => void>();
	const session = host.session((event) => {
		const copy = JSON.parse(JSON.stringify(event)) as EdgeEvent;
		setImmediate(() => {
			for (const listener of eventListeners) listener(copy);
		});
	});
	let closed = false;
	return {
		nodeId,
		get closed() {
			return closed;
		},
		async call(method, params) {
			if (closed) throw new Error('the link to the edge is closed');
			const result = await session.call(method, JSON.parse(JSON.stringify(params)));
			return result === undefined ? result : JSON.parse(JSON.stringify(result));
		},
		onEvent(listener) {
			eventListeners.add(listener);
			return () => eventListeners.delete(listener);
		},
		onClose(listener) {
			closeListeners.add(listener);
			return () => closeListeners.delete(listener);
		},
		close() {
			if (closed) return;
			closed = true;
			session.close();
			for (const listener of closeListeners) listener();
		}
	};
}
