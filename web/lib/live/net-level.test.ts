import { describe, expect, it } from 'vitest';
import type { NetworkQuality } from '$protocol';
import { netLevel } from './net-level.ts';

const q = (patch: Partial<NetworkQuality>): NetworkQuality => ({
	classroomId: 'c1',
	sendBitrate: 800_000,
	recvBitrate: 600_000,
	lossFraction: 0,
	rttMs: 40,
	score: 10,
	at: 0,
	...patch
});

describe('netLevel', () => {
	it('is unknown without data', () => {
		expect(netLevel(undefined)).toBe('unknown');
		expect(netLevel(q({ score: null, sendBitrate: 0, recvBitrate: 0 }))).toBe('unknown');
	});
	it('grades by score, loss and RTT, the worst one wins', () => {
		expect(netLevel(q({}))).toBe('good');
		expect(netLevel(q({ score: 6 }))).toBe('fair');
		expect(netLevel(q({ lossFraction: 0.05 }))).toBe('fair');
		expect(netLevel(q({ rttMs: 400 }))).toBe('fair');
		expect(netLevel(q({ score: 2 }))).toBe('poor');
		expect(netLevel(q({ lossFraction: 0.1 }))).toBe('poor');
		expect(netLevel(q({ rttMs: 900, score: 10 }))).toBe('poor');
	});
});
