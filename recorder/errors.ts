import { AppError } from '../core/errors.ts';
import type { ErrorCode } from '../protocol/index.ts';

/**
 * A refusal the teacher should read (the handler passes `code` and the message on as the ack's
 * error): recording twice, a nearly full disk, a lesson that has ended.
 */
export class RecordingError extends AppError {
	constructor(code: ErrorCode, message: string) {
		super(code, message);
		this.name = 'RecordingError';
	}
}
