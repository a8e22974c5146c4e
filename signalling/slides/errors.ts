import { AppError } from '../../core/errors.ts';
import type { DeckRejection, ErrorCode } from '../../protocol/index.ts';

/** The code of each refusal: the body's fault, not the request's form. */
const REJECTION_CODE: Record<DeckRejection, ErrorCode> = {
	too_large: 'too_large',
	not_pdf: 'unsupported',
	encrypted: 'unprocessable',
	corrupt: 'unprocessable',
	too_many_pages: 'unprocessable',
	parse_timeout: 'unprocessable'
};

/** An upload refused for a reason the teacher can act on (the message says how); nothing is stored. */
export class DeckRejectedError extends AppError {
	declare readonly reason: DeckRejection;
	constructor(reason: DeckRejection, message: string) {
		super(REJECTION_CODE[reason], message, reason);
		this.name = 'DeckRejectedError';
	}
}
