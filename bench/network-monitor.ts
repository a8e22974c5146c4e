/**
 * Network monitor cost (`npm run bench:network-monitor`).
 *
 * N classroom devices, each with one receive transport and two consumers (the teacher's audio and
 * video, fed by ffmpeg through a real worker), sampled by the product's NetworkMonitor and, side by
 * side, by the previous per-consumer polling (one getStats per transport, per producer and per
 * consumer every 2 s, reproduced here). Reports the Node main thread's CPU per sample and the stats
 * calls per second. Writes bench/results/network-monitor.json.
 *
 * Env: NETMON_N=20,50,150  NETMON_SAMPLES=10
 */

import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Socket } from 'socket.io';
import { EventBus } from '../core/EventBus.ts';
import { freePort } from '../core/testing/ports.ts';
import { FfmpegSource } from '../recorder/testing/ffmpegSource.ts';
import { NetworkMonitor, SAMPLE_MS, type MonitoredLesson } from '../signalling/lesson/NetworkMonitor.ts';
import { Peer } from '../signalling/lesson/Peer.ts';
import { Sfu, type LessonMedia } from '../sfu/index.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const N_LIST = (process.env.NETMON_N ?? '20,50,150').split(',').map(Number);
const SAMPLES = Number(process.env.NETMON_SAMPLES ?? 10);

/** The polling this project did before: every transport, producer and consumer, every sample. */
async function legacySample(media: LessonMedia, peers: Iterable<Peer>): Promise<number> {
	let calls = 0;
	for (const peer of peers) {
		for (const transportId of peer.transports.keys()) {
			calls++;
			await media.transportBitrates(transportId);
		}
		for (const track of peer.tracks.values()) {
			calls++;
			await media.producerStats(track.producerId);
		}
		for (const consumer of peer.consumers.values()) {
			calls++;
			await media.consumerStats(consumer.id);
		}
	}
	return calls;
}

const cpuMs = (): number => {
	const u = process.cpuUsage();
	return (u.user + u.system) / 1000;
};

async function main(): Promise<void> {
	const sfu = new Sfu({ numWorkers: 1, rtcPort: await freePort(), listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', logLevel: 'none', routerMaxConsumers: 100_000 });
	await sfu.start();
	const results = [];
	try {
		for (const n of N_LIST) {
			const lessonId = `les_netmon_${n}`;
			const media = await sfu.lessonMedia(lessonId);
			const source = await FfmpegSource.start(media.router, { streams: [{ kind: 'video', width: 320, height: 240, fps: 15 }, { kind: 'audio', frequency: 440 }] });
			for (const producer of source.producers) media.adoptProducer(producer);
			const peers = new Map<string, Peer>();
			for (let i = 0; i < n; i++) {
				const cid = `room${i}`;
				const peer = new Peer({ id: `dev${i}`, role: 'classroom', classroomId: cid, displayName: cid, online: true, joinedAt: 0 }, { id: `s${i}` } as Socket);
				const transport = await media.createWebRtcTransport({});
				peer.transports.set(transport.id, { direction: 'recv' });
				for (const producer of source.producers) {
					const offer = await media.consume(transport.id, producer.id, media.router.rtpCapabilities, {}, {});
					await media.resumeConsumer(offer.id);
					peer.consumers.set(producer.id, { id: offer.id, producerId: producer.id, type: offer.type } as never);
				}
				peers.set(peer.id, peer);
			}
			let messages = 0;
			let recipients = 0;
			const lesson: MonitoredLesson = {
				lessonId,
				peers,
				media: () => Promise.resolve(media),
				roleAudience: (role, classroomId) => `${role}:${classroomId ?? '*'}`,
				notifyAudiences: (audiences) => {
					messages++;
					// The teacher audience is one socket; a classroom's audiences are its device (and assistant, none here).
					recipients += audiences.filter((a) => a.startsWith('teacher') || a.startsWith('classroom')).length;
				}
			};
			const monitor = new NetworkMonitor(lesson, new EventBus());
			await monitor.sample(); // warm-up (first sample sends everything)
			messages = 0;
			recipients = 0;
			const calls0 = monitor.statsCalls;
			let t0 = cpuMs();
			for (let i = 0; i < SAMPLES; i++) await monitor.sample();
			const productCpuMs = (cpuMs() - t0) / SAMPLES;
			const productCalls = (monitor.statsCalls - calls0) / SAMPLES;
			await legacySample(media, peers.values());
			t0 = cpuMs();
			let legacyCalls = 0;
			for (let i = 0; i < SAMPLES; i++) legacyCalls += await legacySample(media, peers.values());
			const legacyCpuMs = (cpuMs() - t0) / SAMPLES;
			const row = {
				classrooms: n,
				samples: SAMPLES,
				product: {
					cpuMsPerSample: Math.round(productCpuMs * 100) / 100,
					statsCallsPerSecond: Math.round((productCalls * 1000 * 100) / SAMPLE_MS) / 100,
					mainThreadPct: Math.round((productCpuMs / SAMPLE_MS) * 100 * 100) / 100,
					qualityRecipientsPerSecond: Math.round(((recipients / SAMPLES) * 1000 * 100) / SAMPLE_MS) / 100
				},
				legacy: {
					cpuMsPerSample: Math.round(legacyCpuMs * 100) / 100,
					statsCallsPerSecond: Math.round(((legacyCalls / SAMPLES) * 1000 * 100) / SAMPLE_MS) / 100,
					mainThreadPct: Math.round((legacyCpuMs / SAMPLE_MS) * 100 * 100) / 100,
					// Before: every sample went to the whole lesson (every device, the teacher).
					qualityRecipientsPerSecond: Math.round(((n + 1) * 1000 * 100) / SAMPLE_MS) / 100
				}
			};
			console.log(JSON.stringify(row));
			results.push(row);
			await source.stop();
			await sfu.closeLesson(lessonId);
		}
	} finally {
		sfu.close();
	}
	const out = resolve(ROOT, 'bench/results/network-monitor.json');
	writeFileSync(
		out,
		`${JSON.stringify({ benchmark: 'network-monitor', generatedAt: new Date().toISOString(), machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length }, note: 'unconnected receive transports: figures do not change between samples, so the product sends only the 10 s refresh', results }, null, '\t')}\n`
	);
	console.log(`wrote ${out}`);
}

await main();
