import type { RequestName, Role } from '../protocol/index.ts';
import { memoryWindows, type RateLimit, type RateLimitFactory } from './rates/rateLimits.ts';

/**
 * How often one participant may send each kind of request. A flood costs only the sender: past its
 * rate a request is answered `rate_limited` before anything changes or anyone else hears of it.
 * Buckets are per participant (per link for observers), so reconnecting does not refill them.
 */
export type RateClass = 'join' | 'broadcast' | 'media' | 'read' | 'chat' | 'hand' | 'answer';

/** Burst size and steady rate per second of each class. */
export const RATE_CLASSES: Record<RateClass, { burst: number; perSecond: number; message: string }> = {
	// A reconnect or a media reset joins again; a storm of joins would snapshot the lesson to everyone.
	join: { burst: 8, perSecond: 0.5, message: 'joining too often; wait a moment' },
	// Anything every screen hears about: a teacher flicking through pages stays well inside it.
	broadcast: { burst: 30, perSecond: 5, message: 'too many changes at once; wait a moment' },
	media: { burst: 60, perSecond: 20, message: 'too many media requests; wait a moment' },
	read: { burst: 20, perSecond: 5, message: 'asking too often; wait a moment' },
	chat: { burst: 5, perSecond: 0.5, message: 'too many messages; wait a moment' },
	hand: { burst: 6, perSecond: 0.5, message: 'too many hand changes; wait a moment' },
	// Changing one's mind is fine; flipping an answer many times a second is not.
	answer: { burst: 10, perSecond: 2, message: 'too many answers; wait a moment' }
};

/**
 * The teacher drives the lesson (pages, polls, stage, drawing grants in quick runs) and holds the one
 * private teacher link, so their budget is larger; it is still a budget.
 */
export const TEACHER_ALLOWANCE = 4;

export const REQUEST_RATES: Record<RequestName, RateClass> = {
	'lesson.join': 'join',
	'media.createTransport': 'media',
	'media.connectTransport': 'media',
	'media.restartIce': 'media',
	'media.ready': 'media',
	'media.produce': 'broadcast',
	'media.closeProducer': 'broadcast',
	'media.pauseProducer': 'broadcast',
	'media.resumeConsumer': 'media',
	'media.setPreferredLayers': 'media',
	'media.setAudioOnly': 'broadcast',
	'stage.set': 'broadcast',
	'hand.raise': 'hand',
	'hand.lower': 'hand',
	'chat.send': 'chat',
	'chat.setMuted': 'broadcast',
	'surface.show': 'broadcast',
	'board.addBlank': 'broadcast',
	'board.setDrawer': 'broadcast',
	'board.clear': 'broadcast',
	'lesson.setStudentChat': 'broadcast',
	'poll.prepare': 'broadcast',
	'poll.discard': 'broadcast',
	'poll.open': 'broadcast',
	'replay.control': 'broadcast',
	'poll.close': 'broadcast',
	'poll.reveal': 'broadcast',
	'poll.dismiss': 'broadcast',
	'poll.answer': 'answer',
	'poll.tally': 'broadcast',
	'poll.state': 'read',
	'classList.get': 'read',
	'classList.add': 'broadcast',
	'classList.rename': 'broadcast',
	'classList.accept': 'broadcast',
	'classList.merge': 'broadcast',
	'classList.remove': 'broadcast',
	'classList.approveClaim': 'broadcast',
	'classList.denyClaim': 'broadcast',
	'recording.start': 'broadcast',
	'recording.stop': 'broadcast',
	'lesson.end': 'broadcast'
};

/**
 * One limit per class and budget. By default fixed windows in memory (rates/rateLimits.ts); with
 * Redis the counters are shared between nodes. `scale` multiplies every rate (REQUEST_RATE_SCALE,
 * for load tests).
 */
export class RequestRates {
	readonly #limits: Record<'teacher' | 'other', Record<RateClass, RateLimit>>;

	constructor(scale = 1, limits: RateLimitFactory = memoryWindows) {
		const budgets = (who: 'teacher' | 'other', allowance: number) =>
			Object.fromEntries(
				Object.entries(RATE_CLASSES).map(([name, { burst, perSecond }]) => [
					name,
					limits(`request-${who}-${name}`, { burst: burst * allowance * scale, perSecond: perSecond * allowance * scale })
				])
			) as Record<RateClass, RateLimit>;
		this.#limits = { teacher: budgets('teacher', TEACHER_ALLOWANCE), other: budgets('other', 1) };
	}

	/** Null when the request may go ahead, else the refusal message. */
	async take(request: RequestName, role: Role, sender: string): Promise<string | null> {
		const rateClass = REQUEST_RATES[request];
		const allowed = await this.#limits[role === 'teacher' ? 'teacher' : 'other'][rateClass].take(sender);
		return allowed ? null : RATE_CLASSES[rateClass].message;
	}
}
