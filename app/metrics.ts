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
	// Prometheus naming: the standard process_* and nodejs_* names, so stock dashboards read them.
	collectDefaultMetrics({ register: registry });
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
		name: 'classbridge_edge_lessons',
		help: "Other nodes' lessons with a router on this node (their participants who reached this node)",
		registers: [registry],
		collect() {
			this.set(sfu.edgeHost.lessons);
		}
	});
	new Gauge({
		name: 'classbridge_edge_consumers',
		help: "Consumers this node holds for other nodes' lessons",
		registers: [registry],
		collect() {
			this.set(sfu.edgeHost.consumers);
		}
	});
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
		// The writer counts since start: exposed as counters (a restart resets them, as Prometheus expects).
		sinceStart(registry, 'classbridge_analytics_events_written_total', 'ClassroomEvents this node appended to the analytics store', () => analytics.counts().written);
		sinceStart(registry, 'classbridge_analytics_events_streamed_total', 'ClassroomEvents this node added to the Redis analytics stream', () => analytics.counts().streamed);
		new Gauge({
			name: 'classbridge_analytics_events_queued',
			help: 'ClassroomEvents waiting for the next analytics batch (or for Redis)',
			registers: [registry],
			collect() {
				this.set(analytics.counts().queued);
			}
		});
	}
	lessonGauges(registry, sfu);
	const deaths = new Counter({ name: 'classbridge_mediasoup_worker_deaths_total', help: 'Workers that died (each is replaced)', registers: [registry] });
	sfu.pool.on('workerdied', () => deaths.inc());
	return registry;
}

/** A running total kept elsewhere, exposed as a Prometheus counter. */
function sinceStart(registry: Registry, name: string, help: string, read: () => number): void {
	let seen = 0;
	new Counter({
		name,
		help,
		registers: [registry],
		collect() {
			const now = read();
			if (now > seen) this.inc(now - seen);
			seen = Math.max(seen, now);
		}
	});
}

/** Per-lesson media figures, labelled by lesson id; a lesson whose router closed drops out. */
function lessonGauges(registry: Registry, sfu: Sfu): void {
	const labelNames = ['lesson'] as const;
	const consumers = new Gauge({ name: 'classbridge_lesson_consumers', help: 'Consumers (media streams sent to browsers) per live lesson', labelNames, registers: [registry] });
	const bitsIn = new Gauge({ name: 'classbridge_lesson_receive_bits_per_second', help: 'Bitrate the SFU receives from a lesson\'s browsers', labelNames, registers: [registry] });
	const bitsOut = new Gauge({ name: 'classbridge_lesson_send_bits_per_second', help: 'Bitrate the SFU sends to a lesson\'s browsers', labelNames, registers: [registry] });
	new Gauge({
		name: 'classbridge_lesson_receive_loss_ratio',
		help: 'Worst fraction lost (0-1) over the streams the SFU receives in a lesson',
		labelNames,
		registers: [registry],
		async collect() {
			const figures = await sfu.lessonFigures();
			for (const gauge of [this, consumers, bitsIn, bitsOut]) gauge.reset();
			for (const f of figures) {
				const labels = { lesson: f.lessonId };
				this.set(labels, f.loss);
				consumers.set(labels, f.consumers);
				bitsIn.set(labels, f.bitrateIn);
				bitsOut.set(labels, f.bitrateOut);
			}
		}
	});
}
