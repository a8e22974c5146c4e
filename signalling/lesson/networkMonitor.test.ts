import type { Socket } from 'socket.io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../core/EventBus.ts';
import { freePort } from '../../core/testing/ports.ts';
import type { NetworkQuality, Role } from '../../protocol/index.ts';
import { FfmpegSource } from '../../recorder/testing/ffmpegSource.ts';
import { Sfu, type LessonMedia } from '../../sfu/index.ts';
import { changedEnough, NetworkMonitor, type MonitoredLesson } from './NetworkMonitor.ts';
import { Peer } from './Peer.ts';

const quality = (over: Partial<NetworkQuality> = {}): NetworkQuality => ({
	classroomId: 'c1',
	sendBitrate: 500_000,
	recvBitrate: 1_000_000,
	lossFraction: 0.01,
	rttMs: 80,
	score: 9,
	at: 0,
	...over
});

describe('changedEnough', () => {
	it('ignores jitter in the figures and sees what a badge would show differently', () => {
		expect(changedEnough(quality(), quality({ at: 5, recvBitrate: 1_050_000, rttMs: 90, lossFraction: 0.012 }))).toBe(false);
		expect(changedEnough(quality(), quality({ score: 8 }))).toBe(true);
		expect(changedEnough(quality(), quality({ lossFraction: 0.02 }))).toBe(true);
		expect(changedEnough(quality(), quality({ rttMs: 120 }))).toBe(true);
		expect(changedEnough(quality(), quality({ rttMs: null }))).toBe(true);
		expect(changedEnough(quality(), quality({ recvBitrate: 600_000 }))).toBe(true);
		// Small absolute changes of a small bitrate are not news.
		expect(changedEnough(quality({ sendBitrate: 10_000 }), quality({ sendBitrate: 20_000 }))).toBe(false);
	});
});

describe('NetworkMonitor against a real worker', () => {
	let sfu: Sfu;
	let media: LessonMedia;
	let source: FfmpegSource;
	const sent: { audiences: string[]; payload: NetworkQuality[] }[] = [];
	const peers = new Map<string, Peer>();
	const bus = new EventBus();
	const lesson: MonitoredLesson = {
		lessonId: 'les_net',
		peers,
		media: () => Promise.resolve(media),
		roleAudience: (role: Role, classroomId?: string | null) => `${role}:${classroomId ?? '*'}`,
		notifyAudiences: (audiences, _name, payload) => sent.push({ audiences, payload })
	};
	const monitor = new NetworkMonitor(lesson, bus);

	/** A classroom device receiving every producer of the source on one transport (resumed consumers). */
	async function classroom(classroomId: string, transports: number): Promise<Peer> {
		const peer = new Peer({ id: `dev_${classroomId}`, role: 'classroom', classroomId, displayName: classroomId, online: true, joinedAt: 0 }, { id: `s_${classroomId}` } as Socket);
		for (let t = 0; t < transports; t++) {
			const transport = await media.createWebRtcTransport({});
			peer.transports.set(transport.id, { direction: 'recv' });
			for (const producer of source.producers) {
				const offer = await media.consume(transport.id, producer.id, media.router.rtpCapabilities, {}, {});
				await media.resumeConsumer(offer.id);
				// One consumer per producer per peer in the product; a second transport here only adds load.
				if (t === 0) peer.consumers.set(producer.id, { id: offer.id, producerId: producer.id, type: offer.type, policyLayer: undefined, requestedLayer: undefined } as never);
			}
		}
		peers.set(peer.id, peer);
		return peer;
	}

	beforeAll(async () => {
		sfu = new Sfu({ numWorkers: 1, rtcPort: await freePort(), listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', logLevel: 'none' });
		await sfu.start();
		media = await sfu.lessonMedia('les_net');
		source = await FfmpegSource.start(media.router, { streams: [{ kind: 'video', width: 320, height: 240, fps: 15 }, { kind: 'audio', frequency: 440 }] });
		for (const producer of source.producers) media.adoptProducer(producer);
	});
	afterAll(async () => {
		monitor.stop();
		await source?.stop();
		sfu?.close();
	});

	it('polls once per transport (not per consumer), and sends each classroom only to those who show it, only on change', async () => {
		await classroom('c1', 1);
		await classroom('c2', 1);
		peers.set('stu', new Peer({ id: 'stu', role: 'student', classroomId: 'c1', displayName: 's', online: true, joinedAt: 0 }, { id: 's_stu' } as Socket));

		await monitor.sample();
		// First sample: one call per transport, plus one probe stream (RTT) per classroom.
		expect(monitor.statsCalls).toBe(2 + 2);
		const teacher = sent.find((m) => m.audiences.includes('teacher:*'));
		expect(teacher?.payload.map((q) => q.classroomId).sort()).toEqual(['c1', 'c2']);
		expect(sent.find((m) => m.audiences.includes('classroom:c1'))).toMatchObject({ audiences: ['classroom:c1', 'assistant:c1'], payload: [{ classroomId: 'c1' }] });
		expect(sent.find((m) => m.audiences.includes('classroom:c2'))?.payload.map((q) => q.classroomId)).toEqual(['c2']);
		expect(sent.every((m) => !m.audiences.some((a) => a.startsWith('student') || a.startsWith('observer')))).toBe(true);
		expect(teacher?.payload[0]?.score).toEqual(expect.any(Number));

		// Nothing flows on these unconnected transports, so nothing changes: nothing is sent.
		sent.length = 0;
		const before = monitor.statsCalls;
		await monitor.sample();
		expect(monitor.statsCalls - before).toBe(2);
		expect(sent).toEqual([]);

		// More consumers on a classroom do not add stats calls; more transports do.
		await classroom('c3', 3);
		const calls = monitor.statsCalls;
		await monitor.sample();
		expect(monitor.statsCalls - calls).toBe(2 + 3 + 1); // c3 is new: its probe runs once
		expect(sent.map((m) => m.payload.map((q) => q.classroomId))).toEqual([['c3'], ['c3']]);

		// Every 10 s (5 samples) the figures go out again even when unchanged, and analytics get a sample.
		const events: string[] = [];
		bus.on('event', (e) => events.push(`${e.type}:${e.classroomId}`));
		sent.length = 0;
		for (let i = 0; i < 3; i++) await monitor.sample();
		expect(sent.find((m) => m.audiences.includes('teacher:*'))?.payload.map((q) => q.classroomId).sort()).toEqual(['c1', 'c2']);
		expect(events.sort()).toEqual(['network.quality:c1', 'network.quality:c2', 'network.quality:c3']);
	});
});
