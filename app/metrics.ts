import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Sfu } from '../sfu/index.ts';
import type { BoardService } from '../signalling/board/BoardService.ts';
import type { EventBus } from '../core/EventBus.ts';
import type { SignallingServer } from '../signalling/SignallingServer.ts';

/** What the analytics feed reports (recorder/analytics/startAnalytics.ts). */
export interface AnalyticsCounts {
	counts(): { written: number; queued: number; streamed: number };
}

/** What the recorder reports (recorder/RecordingService). */
export interface RecordingCounts {
	readonly activeCount: number;
	readonly finalisingCount: number;
}

/** /metrics in Prometheus text: process, workers, routers, transports, producers, consumers, sockets, boards, recordings. */
export function createMetrics(
	sfu: Sfu,
	signalling: SignallingServer,
	bus: EventBus,
	boards: BoardService,
	{ analytics, recordings }: { analytics?: AnalyticsCounts; recordings?: RecordingCounts } = {}
): Registry {
	const registry = new Registry();
	collectDefaultMetrics({ register: registry, prefix: 'classbridge_' });
	const gauge = (name: string, help: string, read: (counts: Awaited<ReturnType<Sfu['counts']>>) => number) =>
		new Gauge({
			name,
			help,
			registers: [registry],
			async collect() {
				this.set(read(await sfu.counts()));
			}
		});
	gauge('classbridge_mediasoup_workers', 'Live mediasoup workers', (c) => c.workers);
	gauge('classbridge_mediasoup_routers', 'Routers (one per live lesson)', (c) => c.routers);
	gauge('classbridge_mediasoup_transports', 'WebRTC transports', (c) => c.transports);
	gauge('classbridge_mediasoup_producers', 'Producers', (c) => c.producers);
	gauge('classbridge_mediasoup_consumers', 'Consumers', (c) => c.consumers);
	new Gauge({
		name: 'classbridge_sockets',
		help: 'Connected socket.io clients',
		registers: [registry],
		collect() {
			this.set(signalling.io.engine.clientsCount);
		}
	});
	new Gauge({
		name: 'classbridge_live_lessons',
		help: 'Lessons with a session on this node',
		registers: [registry],
		collect() {
			this.set(signalling.sessions.size);
		}
	});
	new Gauge({
		name: 'classbridge_board_rooms',
		help: 'Open whiteboard rooms on this node',
		registers: [registry],
		collect() {
			this.set(boards.openBoards);
		}
	});
	new Gauge({
		name: 'classbridge_board_sessions',
		help: 'Connected whiteboard sessions on this node',
		registers: [registry],
		async collect() {
			this.set(await boards.sessionCount());
		}
	});
	if (recordings) {
		new Gauge({
			name: 'classbridge_recordings_active',
			help: 'Lessons being recorded on this node',
			registers: [registry],
			collect() {
				this.set(recordings.activeCount);
			}
		});
		new Gauge({
			name: 'classbridge_recordings_finalising',
			help: 'Lesson packages waiting for or in finalising',
			registers: [registry],
			collect() {
				this.set(recordings.finalisingCount);
			}
		});
	}
	const events = new Counter({ name: 'classbridge_events_total', help: 'ClassroomEvents published', labelNames: ['type'], registers: [registry] });
	bus.on('event', (event) => events.inc({ type: event.type }));
	if (analytics) {
		new Gauge({
			name: 'classbridge_analytics_events_written',
			help: 'ClassroomEvents this node appended to the analytics store since start',
			registers: [registry],
			collect() {
				this.set(analytics.counts().written);
			}
		});
		new Gauge({
			name: 'classbridge_analytics_events_queued',
			help: 'ClassroomEvents waiting for the next analytics batch (or for Redis)',
			registers: [registry],
			collect() {
				this.set(analytics.counts().queued);
			}
		});
		new Gauge({
			name: 'classbridge_analytics_events_streamed',
			help: 'ClassroomEvents this node added to the Redis analytics stream since start',
			registers: [registry],
			collect() {
				this.set(analytics.counts().streamed);
			}
		});
	}
	const deaths = new Counter({ name: 'classbridge_mediasoup_worker_deaths_total', help: 'Workers that died (each is replaced)', registers: [registry] });
	sfu.pool.on('workerdied', () => deaths.inc());
	return registry;
}
