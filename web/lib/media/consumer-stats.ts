import type { types } from 'mediasoup-client';
import type { MediaSource } from '$protocol';

export interface InboundStat {
	consumerId: string;
	kind: 'audio' | 'video';
	source: MediaSource;
	classroomId: string | null;
	packetsReceived: number;
	framesDecoded: number;
	frameWidth: number;
	frameHeight: number;
	bytesReceived: number;
	/** Audio: samples played and those the decoder had to make up (loss concealment). */
	totalSamplesReceived: number;
	concealedSamples: number;
	/** Audio: those of the concealed samples made up in silence (not heard as a gap). */
	silentConcealedSamples: number;
	/** Audio: how many times concealment started (a run of made-up samples counts once). */
	concealmentEvents: number;
	packetsLost: number;
	/** NACKs sent for lost packets. */
	nackCount: number;
	/** Seconds all emitted samples (audio) or frames (video) waited in the jitter buffer, and their count. */
	jitterBufferDelay: number;
	jitterBufferEmittedCount: number;
}

/** The browser's inbound-rtp report for one consumer (zeros if it closed meanwhile). */
export async function inboundStat(
	consumer: types.Consumer,
	media: { consumerId: string; kind: 'audio' | 'video'; source: MediaSource; classroomId: string | null }
): Promise<InboundStat> {
	let inbound: Record<string, unknown> = {};
	try {
		const report = await consumer.getStats();
		report.forEach((stat: Record<string, unknown>) => {
			if (stat.type === 'inbound-rtp') inbound = stat;
		});
	} catch {
		// Closed while we asked.
	}
	const num = (key: string) => (typeof inbound[key] === 'number' ? (inbound[key] as number) : 0);
	return {
		consumerId: media.consumerId,
		kind: media.kind,
		source: media.source,
		classroomId: media.classroomId,
		packetsReceived: num('packetsReceived'),
		framesDecoded: num('framesDecoded'),
		frameWidth: num('frameWidth'),
		frameHeight: num('frameHeight'),
		bytesReceived: num('bytesReceived'),
		totalSamplesReceived: num('totalSamplesReceived'),
		concealedSamples: num('concealedSamples'),
		silentConcealedSamples: num('silentConcealedSamples'),
		concealmentEvents: num('concealmentEvents'),
		packetsLost: num('packetsLost'),
		nackCount: num('nackCount'),
		jitterBufferDelay: num('jitterBufferDelay'),
		jitterBufferEmittedCount: num('jitterBufferEmittedCount')
	};
}
