import type { NetworkQuality } from '$protocol';

export type NetLevel = 'good' | 'fair' | 'poor' | 'unknown';

/** good / fair / poor from the SFU's view of a room's link (score 0-10, loss, RTT). */
export function netLevel(q: NetworkQuality | undefined): NetLevel {
	if (!q) return 'unknown';
	const loss = q.lossFraction * 100;
	const rtt = q.rttMs ?? 0;
	if (q.score === null && q.sendBitrate + q.recvBitrate === 0) return 'unknown';
	if ((q.score !== null && q.score < 4) || loss > 8 || rtt > 600) return 'poor';
	if ((q.score !== null && q.score < 7) || loss > 2 || rtt > 250) return 'fair';
	return 'good';
}
