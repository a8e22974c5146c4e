import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConsumerHandover, HANDOVER_LIMIT_MS, HANDOVER_MS } from './ConsumerHandover.ts';
import type { Peer, PeerConsumer } from './Peer.ts';

const peer = { id: 'dev_1' } as Peer;
const consumer = (id: string): PeerConsumer => ({ id, producerId: 'mic', offeredAs: 'mic', type: 'simple', policyLayer: undefined, targetLayer: undefined });

describe('ConsumerHandover', () => {
	let retired: string[];
	let handover: ConsumerHandover;
	beforeEach(() => {
		vi.useFakeTimers();
		retired = [];
		handover = new ConsumerHandover((_peer, old) => retired.push(old.id));
	});
	afterEach(() => vi.useRealTimers());

	it('retires the old consumer HANDOVER_MS after its successor is resumed, not before', () => {
		handover.begin(peer, consumer('old'), 'new');
		vi.advanceTimersByTime(5_000);
		expect(retired).toEqual([]);
		handover.resumed('someone-else');
		handover.resumed('new');
		vi.advanceTimersByTime(HANDOVER_MS - 1);
		expect(retired).toEqual([]);
		vi.advanceTimersByTime(1);
		expect(retired).toEqual(['old']);
		handover.resumed('new');
		vi.advanceTimersByTime(HANDOVER_LIMIT_MS);
		expect(retired, 'once only').toEqual(['old']);
	});

	it('retires it at HANDOVER_LIMIT_MS when the successor is never resumed', () => {
		handover.begin(peer, consumer('old'), 'new');
		vi.advanceTimersByTime(HANDOVER_LIMIT_MS - 1);
		expect(retired).toEqual([]);
		vi.advanceTimersByTime(1);
		expect(retired).toEqual(['old']);
	});

	it('forgets every pending handover when cleared (the media is gone)', () => {
		handover.begin(peer, consumer('a'), 'a2');
		handover.begin(peer, consumer('b'), 'b2');
		handover.resumed('a2');
		handover.clear();
		vi.advanceTimersByTime(HANDOVER_LIMIT_MS * 2);
		expect(retired).toEqual([]);
	});
});
