import { AppError } from '../../core/errors.ts';
import type { ErrorCode } from '../../protocol/index.ts';

export type RecorderErrorReason = 'invalid' | 'not_found' | 'closed' | 'io' | 'ffmpeg';

const CODE: Record<RecorderErrorReason, ErrorCode> = { invalid: 'invalid', not_found: 'not_found', closed: 'conflict', io: 'internal', ffmpeg: 'internal' };

/** Errors the media recorder raises; `reason` says which kind of mistake or failure. */
export class RecorderError extends AppError {
	declare readonly reason: RecorderErrorReason;
	constructor(reason: RecorderErrorReason, message: string) {
		super(CODE[reason], message, reason);
		this.name = 'RecorderError';
	}
}
