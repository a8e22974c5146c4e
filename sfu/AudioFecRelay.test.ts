import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FfmpegSource } from '../recorder/testing/ffmpegSource.ts';
import { AudioFecRelay } from './AudioFecRelay.ts';
import { AudioFecRelays } from './AudioFecRelays.ts';
import { SfuError } from './errors.ts';
import { createTestRouter, type TestRouter } from './testing/testRouter.ts';

async function bytesReceived(relay: AudioFecRelay): Promise<number> {
	const stats = (await relay.producer.getStats()) as { byteCount?: number }[];
	return stats.reduce((sum, s) => sum + (s.byteCount ?? 0), 0);
}

async function until(probe: () => Promise<boolean>, ms: number, what: string): Promise<void> {
	const deadline = Date.now() + ms;
	while (Date.now() < deadline) {
		if (await probe()) return;
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`not within ${ms} ms: ${what}`);
}

describe('AudioFecRelay: an audio producer re-encoded with in-band FEC, on a real worker and ffmpeg', () => {
	let t: TestRouter;
	let source: FfmpegSource;

	beforeAll(async () => {
		t = await createTestRouter();
		source = await FfmpegSource.start(t.router, { streams: [{ kind: 'audio', frequency: 440 }, { kind: 'video', width: 160, height: 90, fps: 5 }] });
	});
	afterAll(async () => {
		await source.stop();
		t.worker.close();
	});

	it('produces the re-encoded audio on the same router, as Opus with FEC signalled', async () => {
		const relay = await AudioFecRelay.open(t.router, source.producers[0]!);
		try {
			expect(relay.sourceProducerId).toBe(source.producers[0]!.id);
			expect(relay.producer.kind).toBe('audio');
			expect(relay.producer.rtpParameters.codecs[0]?.parameters?.useinbandfec).toBe(1);
			await until(async () => (await bytesReceived(relay)) > 2_000, 10_000, 'the relayed producer receives RTP');
			expect(t.router.canConsume({ producerId: relay.producerId, rtpCapabilities: t.router.rtpCapabilities })).toBe(true);
		} finally {
			relay.close();
		}
		expect(relay.closed).toBe(true);
		expect(relay.producer.closed).toBe(true);
	});

	it('is paused while its source is (a muted microphone)', async () => {
		const mic = source.producers[0]!;
		const relay = await AudioFecRelay.open(t.router, mic);
		try {
			await mic.pause();
			await until(async () => relay.producer.paused, 2_000, 'the copy pauses');
			await mic.resume();
			await until(async () => !relay.producer.paused, 2_000, 'the copy resumes');
		} finally {
			relay.close();
		}
	});

	it('rejects a video producer', async () => {
		await expect(AudioFecRelay.open(t.router, source.producers[1]!)).rejects.toBeInstanceOf(SfuError);
	});

	it('closes when its ffmpeg dies, and says so', async () => {
		const relay = await AudioFecRelay.open(t.router, source.producers[0]!);
		const closed = new Promise<void>((resolve) => relay.once('closed', resolve));
		await until(async () => (await bytesReceived(relay)) > 0, 10_000, 'RTP flows');
		process.kill(relay.encoderPid!, 'SIGKILL');
		await closed;
		expect(relay.producer.closed).toBe(true);
	});

	it('one relay per source, opened once; without ffmpeg the source is served as it is', async () => {
		const relays = new AudioFecRelays(t.router);
		const mic = source.producers[0]!;
		try {
			const [a, b] = await Promise.all([relays.relayedId(mic), relays.relayedId(mic)]);
			expect(a).toBeTruthy();
			expect(b).toBe(a);
			expect(await relays.relayedId(source.producers[1]!), 'video is never relayed').toBeNull();
		} finally {
			relays.close();
		}
		const broken = new AudioFecRelays(t.router, '/nonexistent/ffmpeg');
		expect(await broken.relayedId(mic)).toBeNull();
		broken.close();
	});
});
