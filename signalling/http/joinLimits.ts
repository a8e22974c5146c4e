import { AppError } from '../../core/errors.ts';
import { memoryBuckets, type RateLimit, type RateLimitFactory } from '../rates/rateLimits.ts';

/**
 * Requests without a device token, per address: a school behind one NAT has several classes of
 * first-time phones looking the code up and joining at once (burst), while guessing codes stays
 * hopeless (a 6-character code has 887 million values). Floods of typed names are stopped by the
 * class list's own caps, not here.
 */
export const JOIN_ADDRESS_BURST = 300;
export const JOIN_ADDRESS_PER_SECOND = 3;
/** Requests with a valid device token, per student the token names (one phone, usually). */
export const JOIN_DEVICE_BURST = 20;
export const JOIN_DEVICE_PER_SECOND = 0.5;
/** A waiting phone asking about its claim (long polls, so about one request every 25 s). */
export const CLAIM_POLL_BURST = 30;
export const CLAIM_POLL_PER_SECOND = 1;

/** The buckets of the public join routes; each take throws 429 when its bucket is empty. */
export class JoinLimits {
	readonly #address: RateLimit;
	readonly #device: RateLimit;
	readonly #claim: RateLimit;

	constructor(limits: RateLimitFactory = memoryBuckets) {
		this.#address = limits('join-address', { burst: JOIN_ADDRESS_BURST, perSecond: JOIN_ADDRESS_PER_SECOND });
		this.#device = limits('join-device', { burst: JOIN_DEVICE_BURST, perSecond: JOIN_DEVICE_PER_SECOND });
		this.#claim = limits('join-claim', { burst: CLAIM_POLL_BURST, perSecond: CLAIM_POLL_PER_SECOND });
	}

	async byAddress(address: string): Promise<void> {
		if (!(await this.#address.take(address))) {
			throw new AppError('rate_limited', 'too many join attempts from this network; wait a minute and try again');
		}
	}

	async byDevice(studentId: string): Promise<void> {
		if (!(await this.#device.take(studentId))) {
			throw new AppError('rate_limited', 'too many join attempts from this phone; wait a minute and try again');
		}
	}

	async byClaim(claimId: string): Promise<void> {
		if (!(await this.#claim.take(claimId))) {
			throw new AppError('rate_limited', 'asking too often; wait a moment and try again');
		}
	}
}
