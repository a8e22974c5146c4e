import type { DeckRejection } from '../../protocol/index.ts';

/** HTTP status of each refusal: the body's fault, not the request's form. */
const REJECTION_STATUS: Record<DeckRejection, number> = {
	too_large: 413,
	not_pdf: 415,
	encrypted: 422,
	corrupt: 422,
	too_many_pages: 422,
	parse_timeout: 422
};

/** An upload refused for a reason the teacher can act on (the message says how); nothing is stored. */
export class DeckRejectedError extends Error {
	readonly reason: DeckRejection;
	constructor(reason: DeckRejection, message: string) {
		super(message);
		this.name = 'DeckRejectedError';
		this.reason = reason;
	}
	get status(): number {
		return REJECTION_STATUS[this.reason];
	}
}

/** Any other answer of the slide routes that is not a success (`unauthorized`, `forbidden`, …). */
export class DeckHttpError extends Error {
	readonly status: number;
	readonly code: 'unauthorized' | 'forbidden' | 'not_found' | 'invalid';
	constructor(status: number, code: DeckHttpError['code'], message: string) {
		super(message);
		this.name = 'DeckHttpError';
		this.status = status;
		this.code = code;
	}
}
